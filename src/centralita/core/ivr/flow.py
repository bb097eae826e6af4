"""The IVR flow model: a validated, immutable graph of nodes.

A `Flow` is built from a flow file by `centralita.core.ivr.flowfile.parse_flow`; the
interpreter (`centralita.core.ivr.session`) walks it. Each node names the nodes it can
go to; terminal nodes (queue, voicemail, transfer, hangup) end the IVR.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from centralita.core.immutable import immutable
from centralita.core.ivr.calendar import BusinessCalendar

ANY_LANGUAGE = ""


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@immutable
class PromptPart:
    """Text to synthesise (a template) or a recorded file (relative to the flow file)."""

    text: str | None = None
    file: str | None = None


@immutable
class PromptSpec:
    """A prompt in one or more languages; `ANY_LANGUAGE` ("") serves every language."""

    parts: tuple[tuple[str, PromptPart], ...]

    def for_language(self, language: str, default: str) -> tuple[str, PromptPart]:
        """The variant for `language`, else the flow's default language, else the first."""
        by_language = dict(self.parts)
        for lang in (language, default, ANY_LANGUAGE):
            if lang in by_language:
                return (lang or language), by_language[lang]
        lang, part = self.parts[0]
        return lang, part


@immutable
class Choice:
    """One way out of a menu or question: a key, words by language, a target node."""

    key: str | None
    words: tuple[tuple[str, tuple[str, ...]], ...]  # (language or "", words)
    target: str
    value: str  # what `save_as` stores: the key for menus, the first word for questions


@immutable
class Node:
    id: str

    def targets(self) -> tuple[tuple[str, str], ...]:
        """(field, node id) pairs this node can go to."""
        return ()

    @property
    def waits(self) -> bool:
        """True when the node waits for the caller or the outside world before moving on."""
        return True


@immutable
class Play(Node):
    prompt: PromptSpec
    next: str

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next),)


@immutable
class Menu(Node):
    """A menu (`ask=False`: keypad first) or a question (`ask=True`: voice first)."""

    prompt: PromptSpec
    choices: tuple[Choice, ...]
    default: str
    invalid: PromptSpec | None = None
    no_input: PromptSpec | None = None
    voice_prompt: PromptSpec | None = None
    attempts: int = 3
    timeout: float = 5.0
    ask: bool = False
    save_as: str | None = None

    def targets(self) -> tuple[tuple[str, str], ...]:
        found = [(f"choices.{c.value if self.ask else c.key}", c.target) for c in self.choices]
        return (*found, ("default", self.default))


@immutable
class Collect(Node):
    """Digits (or spoken digits); with `expect` it is an identity verification."""

    prompt: PromptSpec
    next: str
    failure: str
    save_as: str
    min_length: int = 1
    max_length: int = 20
    terminator: str = "#"
    timeout: float = 7.0
    check: str | None = None
    pattern: str | None = None
    invalid: PromptSpec | None = None
    no_input: PromptSpec | None = None
    attempts: int = 3
    expect: str | None = None  # a template, e.g. "{contact.document}"
    attribute: str | None = None  # attribute set to "yes"/"no" (verification result)

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next), ("failure", self.failure))


@immutable
class Test:
    """All given parts must hold."""

    open: str | None = None  # calendar name: open now
    closed: str | None = None  # calendar name: closed now
    holiday: str | None = None  # calendar name: today is a holiday
    caller_prefix: tuple[str, ...] = ()
    caller_in: tuple[str, ...] = ()
    dnis_in: tuple[str, ...] = ()
    var: str | None = None
    equals: str | None = None
    one_of: tuple[str, ...] | None = None
    matches: str | None = None
    present: bool | None = None
    above: Decimal | None = None
    below: Decimal | None = None


@immutable
class Condition(Node):
    branches: tuple[tuple[Test, str], ...]
    otherwise: str

    def targets(self) -> tuple[tuple[str, str], ...]:
        found = [(f"branches[{i}].goto", target) for i, (_, target) in enumerate(self.branches)]
        return (*found, ("else", self.otherwise))

    @property
    def waits(self) -> bool:
        return False


@immutable
class Http(Node):
    method: str
    url: str
    next: str
    fallback: str
    body: Mapping[str, str] = dataclasses.field(default_factory=_empty)
    headers: Mapping[str, str] = dataclasses.field(default_factory=_empty)
    timeout: float = 3.0
    assign: Mapping[str, str] = dataclasses.field(default_factory=_empty)  # var -> path

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next), ("fallback", self.fallback))


@immutable
class Say(Node):
    value: str  # a template, e.g. "{balance}"
    kind: str
    next: str
    currency: str = "COP"
    language: str | None = None

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next),)

    @property
    def waits(self) -> bool:
        return False  # a value that cannot be said is skipped: the node may not wait


@immutable
class SetValues(Node):
    next: str
    language: str | None = None
    segment: str | None = None
    priority: int | None = None
    skills: tuple[tuple[str, int], ...] = ()
    attributes: Mapping[str, str] = dataclasses.field(default_factory=_empty)
    variables: Mapping[str, str] = dataclasses.field(default_factory=_empty)
    served: bool = False  # from here on, hanging up counts as self_served

    def targets(self) -> tuple[tuple[str, str], ...]:
        return (("next", self.next),)

    @property
    def waits(self) -> bool:
        return False


@immutable
class ToQueue(Node):
    queue: str
    prompt: PromptSpec | None = None
    priority: int | None = None
    skills: tuple[tuple[str, int], ...] = ()
    music: str | None = None
    announce_position: bool = False
    announce_wait: bool = False
    announce_every: float = 60.0
    callback_after: float | None = None  # offer a callback after this many seconds
    callback_key: str = "1"


@immutable
class Voicemail(Node):
    box: str
    prompt: PromptSpec | None = None


@immutable
class Transfer(Node):
    number: str
    prompt: PromptSpec | None = None


@immutable
class Hangup(Node):
    prompt: PromptSpec | None = None
    outcome: str = "self_served"


TERMINALS = (ToQueue, Voicemail, Transfer, Hangup)


@immutable
class Flow:
    id: str
    version: int
    start: str
    nodes: Mapping[str, Node]
    source: str = "-"
    language: str = "es"
    languages: tuple[str, ...] = ("es",)
    input: str = "keypad"  # keypad | voice: how menus ask unless the caller prefers otherwise
    min_confidence: float = 0.5
    currency: str = "COP"
    dnis: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    variables: Mapping[str, str] = dataclasses.field(default_factory=_empty)  # `vars:`
    calendars: Mapping[str, BusinessCalendar] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )
