"""What the IVR session asks its adapter to do (imperative).

Commands run in order. `Play` and `Say` are answered by `PlaybackFinished`; `Collect`
plays its prompts (keys or speech interrupt them), then waits `timeout` seconds and is
answered by `DigitsReceived`, `SpeechRecognized` or `InputTimedOut`; `HttpRequest` by
`HttpCompleted` or `HttpFailed` (the adapter enforces `timeout`). `Enqueue`, `Transfer`,
`Voicemail` and `Hangup` end the IVR: the call leaves the session.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from centralita.core.immutable import immutable


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@immutable
class Prompt:
    """Text to synthesise in `language`, or a recorded `file` (relative to the flow file)."""

    text: str | None
    file: str | None
    language: str


@immutable
class Play:
    prompt: Prompt


@immutable
class Say:
    """Say `value` as `kind` (number, amount, date, digits); `text` is it in words."""

    value: str
    kind: str
    language: str
    text: str


@immutable
class Collect:
    """Play `prompts`, then collect up to `max_digits` keys (ending early on
    `terminator`), or one of `words` by voice when `words` is not empty."""

    prompts: tuple[Prompt, ...]
    max_digits: int
    terminator: str
    timeout: float
    words: tuple[str, ...] = ()
    min_digits: int = 1


@immutable
class HttpRequest:
    method: str
    url: str
    body: str | None
    timeout: float
    headers: Mapping[str, str] = dataclasses.field(default_factory=_empty)


@immutable
class SetAttributes:
    """Attributes of the interaction (routing, the agent's screen) changed."""

    attributes: Mapping[str, str]


@immutable
class Enqueue:
    """Hand the call to the routing core (`InteractionArrived` with these attributes)."""

    queue: str
    priority: int | None
    skills: tuple[tuple[str, int], ...]
    language: str
    segment: str | None
    attributes: Mapping[str, str]
    music: str | None = None
    announce_position: bool = False
    announce_wait: bool = False
    announce_every: float = 60.0
    callback_after: float | None = None
    callback_key: str = "1"


@immutable
class Transfer:
    """Call an external number and connect the caller to it."""

    number: str


@immutable
class Voicemail:
    box: str


@immutable
class Hangup:
    pass


IvrCommand = (
    Play | Say | Collect | HttpRequest | SetAttributes | Enqueue | Transfer | Voicemail | Hangup
)
