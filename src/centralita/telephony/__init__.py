"""Telephony adapter: SIP/RTP through PJSIP's pjsua2 binding (see `engine.Engine`).

Importing this package does not import pjsua2; `Engine.start()` does, and reports a
missing binding as `TelephonyUnavailable`.
"""

from centralita.telephony.engine import Engine, EngineConfig, MediaStats, Registration
from centralita.telephony.errors import (
    EngineAlreadyRunning,
    NoSuchCall,
    TelephonyError,
    TelephonyUnavailable,
)
from centralita.telephony.events import (
    CallAnswered,
    CallArrived,
    CallEnded,
    CallRinging,
    DigitReceived,
    PlaybackFinished,
    RegistrationChanged,
    TelephonyEvent,
)

__all__ = [
    "CallAnswered",
    "CallArrived",
    "CallEnded",
    "CallRinging",
    "DigitReceived",
    "Engine",
    "EngineAlreadyRunning",
    "EngineConfig",
    "MediaStats",
    "NoSuchCall",
    "PlaybackFinished",
    "Registration",
    "RegistrationChanged",
    "TelephonyError",
    "TelephonyEvent",
    "TelephonyUnavailable",
]
