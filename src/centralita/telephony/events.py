"""Events the telephony adapter reports (past tense; plain values, no PJSIP objects).

`call_id` is the adapter's own identifier for one SIP call leg (stable for the leg's
life, never reused), not PJSIP's recycled slot number. The application maps these onto
core events (e.g. `CallArrived` → `InteractionArrived`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CallArrived:
    """An INVITE came in. `ani` is the caller (P-Asserted-Identity, else From user
    part); `dnis` the dialled number (Request-URI user part). Either may be "".
    `auto_answer`: the caller asked this phone to answer by itself (`Call-Info: ...;
    answer-after=N` or an `Alert-Info` auto-answer), as a PBX does for headset agents."""

    call_id: str
    ani: str
    dnis: str
    auto_answer: bool = False
    #: "ip:port" the INVITE came from (which carrier trunk, when it is one)
    source: str = ""


@dataclass(frozen=True, slots=True)
class CallAnswered:
    """The call is established (incoming: ACK received; outgoing: 200 OK received)."""

    call_id: str


@dataclass(frozen=True, slots=True)
class CallRinging:
    """A call we placed got its first provisional answer with a dialog (180 Ringing or
    183 Session Progress, in `status`): the far end exists and is alerting."""

    call_id: str
    status: int


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The leg is gone. `status` is the last SIP status code seen (e.g. 200 after BYE,
    486 busy, 487 cancelled); `reason` its reason phrase."""

    call_id: str
    status: int
    reason: str


@dataclass(frozen=True, slots=True)
class DigitReceived:
    """The caller pressed a key: `digit` is one of 0-9 * # A-D; `method` how it came,
    "rfc4733" (an RTP telephone-event) or "sip-info" (INFO, application/dtmf-relay or
    application/dtmf)."""

    call_id: str
    digit: str
    method: str


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    """A file played with `play_file(..., loop=False)` reached its end (once per play)."""

    call_id: str


@dataclass(frozen=True, slots=True)
class RegistrationChanged:
    """The engine's own registration with a registrar (`EngineConfig.registration`)
    got an answer: `status` 200 and `expires` > 0 while registered; 401/403 for
    refused credentials, 408 if the registrar is unreachable. `username` is the
    account's user name for `EngineConfig.registrations`, "" for `registration`."""

    status: int
    reason: str
    expires: int
    username: str = ""


TelephonyEvent = (
    CallArrived
    | CallAnswered
    | CallRinging
    | CallEnded
    | DigitReceived
    | PlaybackFinished
    | RegistrationChanged
)
