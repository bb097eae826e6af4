"""The IVR interpreter: one call's walk through a flow, driven by events.

    session = IvrSession(flow, Caller("c1", number="+573001234567", dnis="6015550100"))
    outputs = session.start(now)                       # [IvrNodeVisited, Collect(...)]
    outputs = session.handle(DigitsReceived("1"), now) # [IvrNodeVisited, HttpRequest(...)]

Pure and synchronous: no I/O, no clock (`now` is epoch seconds or an aware datetime;
calendars convert it to their zone). Outputs are commands for the adapter
(`centralita.core.ivr.commands`) and records for the log (`centralita.core.ivr.records`),
in order. Events that do not fit the current step (a key pressed during a `Play`, a late
HTTP answer) are ignored; after the IVR ended every event is ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from types import MappingProxyType

from centralita.core.events import Tick
from centralita.core.immutable import immutable
from centralita.core.ivr import commands as cmd
from centralita.core.ivr import flow as f
from centralita.core.ivr.checks import CHECKS
from centralita.core.ivr.conditions import holds
from centralita.core.ivr.events import (
    CallerHungUp,
    DigitsReceived,
    HttpCompleted,
    HttpFailed,
    InputTimedOut,
    IvrEvent,
    PlaybackFinished,
    PromptsPlayed,
    SpeechRecognized,
)
from centralita.core.ivr.httpnode import http_request, http_result
from centralita.core.ivr.records import IvrEnded, IvrNodeVisited
from centralita.core.ivr.say import say_value
from centralita.core.ivr.template import render
from centralita.core.ivr.words import digit_words, digits_from_speech, normalise

Output = cmd.IvrCommand | IvrNodeVisited | IvrEnded
Now = float | dt.datetime

_OUTCOME = {f.ToQueue: "queued", f.Transfer: "transferred", f.Voicemail: "voicemail"}
_TYPE = {
    f.Play: "play",
    f.Collect: "collect",
    f.Condition: "condition",
    f.Http: "http",
    f.Say: "say",
    f.SetValues: "set",
    f.ToQueue: "queue",
    f.Voicemail: "voicemail",
    f.Transfer: "transfer",
    f.Hangup: "hangup",
}


@immutable
class Caller:
    """Who is calling, and what the contact record says about them.

    `contact` fields become variables `contact.<field>`; `language` ("es", "en") and
    `input` ("keypad", "voice") are the caller's preferences, used when the flow offers
    them.
    """

    call_id: str
    number: str = ""
    dnis: str = ""
    contact: Mapping[str, str] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    language: str | None = None
    input: str | None = None

    @classmethod
    def from_contact(
        cls, call_id: str, number: str, dnis: str, contact: Mapping[str, object] | None
    ) -> Caller:
        """A caller from a contact record's fields (as stored: `language`,
        `preferred_input`, `document`, `segment`, ... and `custom` fields, flattened);
        None for an unknown caller."""
        if contact is None:
            return cls(call_id, number, dnis)
        fields: dict[str, str] = {}
        for key, value in contact.items():
            if key == "custom" and isinstance(value, Mapping):
                fields |= {str(k): str(v) for k, v in value.items() if v is not None}
            elif value is not None and not isinstance(value, Mapping | list):
                fields[key] = str(value)
        preferred = fields.get("preferred_input")
        return cls(
            call_id,
            number,
            dnis,
            MappingProxyType(fields),
            language=fields.get("language"),
            input=preferred if preferred in ("keypad", "voice") else None,
        )


def _seconds(now: Now) -> float:
    return now.timestamp() if isinstance(now, dt.datetime) else float(now)


class IvrSession:
    """One call in one flow. Read `outcome`, `variables` and `attributes` at any time."""

    def __init__(
        self, flow: f.Flow, caller: Caller, variables: Mapping[str, str] | None = None
    ) -> None:
        """`variables` override the flow's `vars` (e.g. a test service's address)."""
        self.flow = flow
        self.caller = caller
        self.language = caller.language if caller.language in flow.languages else flow.language
        self.voice = (caller.input or flow.input) == "voice"
        self.variables: dict[str, str] = {**flow.variables, **(variables or {})}
        self.variables |= {"caller": caller.number, "dnis": caller.dnis}
        self.variables |= {f"contact.{k}": str(v) for k, v in caller.contact.items()}
        self.attributes: dict[str, str] = {}
        self.segment: str | None = caller.contact.get("segment")
        self.priority: int | None = None
        self.skills: dict[str, int] = {}
        self.outcome: str | None = None
        self.served = False
        self.node: f.Node | None = None
        self._waiting: str | None = None  # "playback", "input", "http"
        self._deadline: float | None = None  # see next_deadline()
        self._after_playback: str | None = None  # node id, or "" to finish the terminal
        self._attempt = 0

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def next_deadline(self) -> float | None:
        """When a `Tick` would time out the current step, if the session keeps its own
        timers: an `HttpRequest` times out `timeout` seconds after it was issued, a
        `Collect` `timeout` seconds after `PromptsPlayed`. Adapters that report
        `InputTimedOut` and `HttpFailed` themselves need not send `Tick` at all."""
        return self._deadline

    # --- entry points -------------------------------------------------------------------

    def start(self, now: Now) -> list[Output]:
        if self.node is not None:
            raise RuntimeError("session already started")
        out: list[Output] = []
        self._goto(self.flow.start, _seconds(now), now, out)
        return out

    def handle(self, event: IvrEvent, now: Now) -> list[Output]:
        out: list[Output] = []
        if self.finished or self.node is None:
            return out
        at = _seconds(now)
        node = self.node
        if isinstance(event, Tick):
            if self._deadline is None or at < self._deadline:
                return out
            self._deadline = None  # the adapter did not answer in time: act as if it said so
            event = InputTimedOut() if self._waiting == "input" else HttpFailed("timeout")
        if isinstance(event, PromptsPlayed):
            if self._waiting == "input" and isinstance(node, f.Menu | f.Collect):
                self._deadline = at + node.timeout
            return out
        if isinstance(event, CallerHungUp):
            if isinstance(node, f.Hangup):
                outcome = node.outcome
            else:
                outcome = "self_served" if self.served else "abandoned_ivr"
            self._end(outcome, at, out)
        elif self._waiting == "playback" and isinstance(event, PlaybackFinished):
            self._waiting = None
            if self._after_playback == "":
                self._finish(node, at, out)
            elif self._after_playback is not None:
                self._goto(self._after_playback, at, now, out)
        elif self._waiting == "input" and isinstance(
            event, DigitsReceived | SpeechRecognized | InputTimedOut
        ):
            if isinstance(node, f.Menu):
                self._menu_input(node, event, at, now, out)
            elif isinstance(node, f.Collect):
                self._collect_input(node, event, at, now, out)
        elif self._waiting == "http" and isinstance(event, HttpCompleted | HttpFailed):
            assert isinstance(node, f.Http)
            self._waiting = None
            self._goto(http_result(node, event, self.variables), at, now, out)
        return out

    # --- walking --------------------------------------------------------------------------

    def _goto(self, node_id: str, at: float, now: Now, out: list[Output]) -> None:
        for _ in range(len(self.flow.nodes) + 1):
            node = self.flow.nodes[node_id]
            self.node = node
            kind = "ask" if isinstance(node, f.Menu) and node.ask else _type(node)
            out.append(
                IvrNodeVisited(
                    at, self.caller.call_id, self.flow.id, self.flow.version, node_id, kind
                )
            )
            if isinstance(node, f.Condition):
                node_id = self._branch(node, now)
            elif isinstance(node, f.SetValues):
                self._set(node, out)
                node_id = node.next
            else:
                then = self._enter(node, at, out)
                if then is None:
                    return
                node_id = then
        raise RuntimeError(f"flow {self.flow.id} loops without waiting at {node_id}")

    def _enter(self, node: f.Node, at: float, out: list[Output]) -> str | None:
        """Start `node`; the node to go on to at once if it has nothing to wait for."""
        self._attempt = 0
        self._deadline = None
        if isinstance(node, f.Play):
            out.append(cmd.Play(self._prompt(node.prompt)))
            self._wait_playback(node.next)
        elif isinstance(node, f.Say):
            language = node.language or self.language
            value = render(node.value, self.variables)
            try:
                text = say_value(value, node.kind, language, node.currency)
            except ValueError:
                text = ""  # nothing sensible to say (e.g. an empty balance): move on
            if not text:
                return node.next
            out.append(cmd.Say(value, node.kind, language, text))
            self._wait_playback(node.next)
        elif isinstance(node, f.Menu | f.Collect):
            out.append(self._collect(node, (node.prompt,)))
            self._waiting = "input"
        elif isinstance(node, f.Http):
            out.append(http_request(node, self.variables))
            self._waiting = "http"
            self._deadline = at + node.timeout
        elif isinstance(node, f.TERMINALS):
            prompt = node.prompt
            if prompt is None:
                self._finish(node, at, out)
            else:
                out.append(cmd.Play(self._prompt(prompt)))
                self._wait_playback("")
        return None

    def _wait_playback(self, then: str) -> None:
        self._waiting = "playback"
        self._after_playback = then

    def _finish(self, node: f.Node, at: float, out: list[Output]) -> None:
        if isinstance(node, f.ToQueue):
            skills = dict(self.skills) | dict(node.skills)
            out.append(
                cmd.Enqueue(
                    queue=node.queue,
                    priority=node.priority if node.priority is not None else self.priority,
                    skills=tuple(sorted(skills.items())),
                    language=self.language,
                    segment=self.segment,
                    attributes=MappingProxyType(dict(self.attributes)),
                    music=node.music,
                    announce_position=node.announce_position,
                    announce_wait=node.announce_wait,
                    announce_every=node.announce_every,
                    callback_after=node.callback_after,
                    callback_key=node.callback_key,
                )
            )
        elif isinstance(node, f.Transfer):
            out.append(cmd.Transfer(render(node.number, self.variables)))
        elif isinstance(node, f.Voicemail):
            out.append(cmd.Voicemail(render(node.box, self.variables)))
        else:
            out.append(cmd.Hangup())
        outcome = node.outcome if isinstance(node, f.Hangup) else _OUTCOME[type(node)]
        self._end(outcome, at, out)

    def _end(self, outcome: str, at: float, out: list[Output]) -> None:
        self.outcome = outcome
        self._waiting = None
        self._deadline = None
        node = self.node.id if self.node else "-"
        out.append(
            IvrEnded(at, self.caller.call_id, self.flow.id, self.flow.version, outcome, node)
        )

    # --- prompts and input ----------------------------------------------------------------

    def _prompt(self, spec: f.PromptSpec) -> cmd.Prompt:
        language, part = spec.for_language(self.language, self.flow.language)
        if part.file is not None:
            return cmd.Prompt(None, part.file, language)
        text = render(
            part.text or "", self.variables, language=language, currency=self.flow.currency
        )
        return cmd.Prompt(text, None, language)

    def _uses_voice(self, node: f.Menu | f.Collect) -> bool:
        return self.voice or (isinstance(node, f.Menu) and node.ask)

    def _collect(self, node: f.Menu | f.Collect, prompts: tuple[f.PromptSpec, ...]) -> cmd.Collect:
        voice = self._uses_voice(node)
        if voice and isinstance(node, f.Menu) and node.voice_prompt is not None:
            prompts = (*prompts[:-1], node.voice_prompt)
        rendered = tuple(self._prompt(p) for p in prompts)
        if isinstance(node, f.Menu):
            words = self._menu_words(node) if voice else ()
            return cmd.Collect(rendered, 1, "", node.timeout, words)
        words = digit_words(self.language) if voice else ()
        return cmd.Collect(
            rendered, node.max_length, node.terminator, node.timeout, words, node.min_length
        )

    def _choice_words(self, choice: f.Choice) -> tuple[str, ...]:
        words = []
        if choice.key is not None and choice.key.isdigit():
            words.append(digit_words(self.language)[int(choice.key)])
        words += [w for lang, ws in choice.words if lang in ("", self.language) for w in ws]
        return tuple(dict.fromkeys(normalise(w) for w in words))

    def _menu_words(self, node: f.Menu) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for c in node.choices for w in self._choice_words(c)))

    def _menu_input(
        self,
        node: f.Menu,
        event: DigitsReceived | SpeechRecognized | InputTimedOut,
        at: float,
        now: Now,
        out: list[Output],
    ) -> None:
        chosen: f.Choice | None = None
        if isinstance(event, DigitsReceived):
            chosen = next((c for c in node.choices if c.key and event.digits[:1] == c.key), None)
        elif isinstance(event, SpeechRecognized) and event.confidence >= self.flow.min_confidence:
            said = normalise(event.text)
            tokens = said.split()
            for choice in node.choices:
                words = self._choice_words(choice)
                if said in words or any(t in words for t in tokens):
                    chosen = choice
                    break
        if chosen is not None:
            self._waiting = None
            if node.save_as:
                self.variables[node.save_as] = chosen.value
            self._goto(chosen.target, at, now, out)
        else:
            self._retry(node, isinstance(event, InputTimedOut), node.default, at, now, out)

    def _retry(
        self,
        node: f.Menu | f.Collect,
        timed_out: bool,
        give_up: str,
        at: float,
        now: Now,
        out: list[Output],
    ) -> bool:
        """Ask again after a wrong or missing answer; False (and go on) when out of tries."""
        self._attempt += 1
        if self._attempt >= node.attempts:
            self._waiting = None
            if isinstance(node, f.Collect) and node.attribute:
                self._attributes({node.attribute: "no"}, out)
            self._goto(give_up, at, now, out)
            return False
        self._deadline = None  # armed again by PromptsPlayed
        scold = node.no_input if timed_out else node.invalid
        prompts = (scold, node.prompt) if scold is not None else (node.prompt,)
        out.append(self._collect(node, prompts))
        return True

    def _collect_input(
        self,
        node: f.Collect,
        event: DigitsReceived | SpeechRecognized | InputTimedOut,
        at: float,
        now: Now,
        out: list[Output],
    ) -> None:
        digits: str | None = None
        if isinstance(event, DigitsReceived):
            digits = event.digits.rstrip(node.terminator) if node.terminator else event.digits
        elif isinstance(event, SpeechRecognized) and event.confidence >= self.flow.min_confidence:
            digits = digits_from_speech(event.text, self.language)
        if digits is not None and self._valid(node, digits):
            self._waiting = None
            self.variables[node.save_as] = digits
            if node.attribute:
                self._attributes({node.attribute: "yes"}, out)
            self._goto(node.next, at, now, out)
        else:
            self._retry(node, isinstance(event, InputTimedOut), node.failure, at, now, out)

    def _valid(self, node: f.Collect, digits: str) -> bool:
        if not digits.isdigit() or not node.min_length <= len(digits) <= node.max_length:
            return False
        if node.check is not None and not CHECKS[node.check](digits):
            return False
        if node.pattern is not None and not re.fullmatch(node.pattern, digits):
            return False
        return node.expect is None or digits == render(node.expect, self.variables)

    # --- conditions, attributes, HTTP -----------------------------------------------------

    def _branch(self, node: f.Condition, now: Now) -> str:
        number, dnis = self.caller.number, self.caller.dnis
        for test, target in node.branches:
            if holds(test, self.flow.calendars, number, dnis, self.variables, now):
                return target
        return node.otherwise

    def _set(self, node: f.SetValues, out: list[Output]) -> None:
        changed: dict[str, str] = {}
        if node.language is not None:
            self.language = changed["language"] = node.language
        if node.segment is not None:
            self.segment = changed["segment"] = render(node.segment, self.variables)
        if node.priority is not None:
            self.priority = node.priority
            changed["priority"] = str(node.priority)
        if node.skills:
            self.skills |= dict(node.skills)
            changed["skills"] = ",".join(f"{k}:{v}" for k, v in sorted(self.skills.items()))
        for name, template in node.variables.items():
            self.variables[name] = render(template, self.variables)
        self.served = self.served or node.served
        attributes = {k: render(v, self.variables) for k, v in node.attributes.items()}
        if attributes:
            self._attributes(attributes, out, changed)
        elif changed:
            out.append(cmd.SetAttributes(MappingProxyType(changed)))

    def _attributes(
        self, attributes: dict[str, str], out: list[Output], also: dict[str, str] | None = None
    ) -> None:
        self.attributes |= attributes
        out.append(cmd.SetAttributes(MappingProxyType({**(also or {}), **attributes})))


def _type(node: f.Node) -> str:
    return "menu" if isinstance(node, f.Menu) else _TYPE[type(node)]
