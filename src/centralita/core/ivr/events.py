"""What the IVR session is told (`IvrSession.handle(event, now)`), all past tense.

The adapter that executes the session's commands reports back with these: the caller
pressed keys or spoke, a collection timed out, a prompt finished, an HTTP request
completed or failed, the caller hung up. `Tick` (the router's) only fires the session's
own timers (`IvrSession.next_deadline()`), for drivers that leave timing to the core.
"""

from __future__ import annotations

from centralita.core.events import Tick
from centralita.core.immutable import immutable


@immutable
class DigitsReceived:
    """Keys pressed for the current `Collect` (without the terminator)."""

    digits: str


@immutable
class SpeechRecognized:
    """The recogniser's best reading of what the caller said, with its confidence 0..1."""

    text: str
    confidence: float


@immutable
class InputTimedOut:
    """The current `Collect` got nothing before its timeout."""


@immutable
class PlaybackFinished:
    """The last `Play` or `Say` finished."""


@immutable
class PromptsPlayed:
    """The current `Collect`'s prompts finished (or a key cut them short): the wait
    for an answer starts. Only needed when the session keeps the timers (`Tick`)."""


@immutable
class HttpCompleted:
    """The `HttpRequest` got an answer (any status); `body` is its text."""

    status: int
    body: str = ""


@immutable
class HttpFailed:
    """The `HttpRequest` got no answer: timeout, refused, DNS, TLS... (`reason`)."""

    reason: str


@immutable
class CallerHungUp:
    """The caller left while in the IVR."""


IvrEvent = (
    DigitsReceived
    | SpeechRecognized
    | InputTimedOut
    | PlaybackFinished
    | PromptsPlayed
    | HttpCompleted
    | HttpFailed
    | CallerHungUp
    | Tick
)
