"""Validating an IVR flow given as plain data (parsed from YAML or JSON) into a `Flow`.

Every problem names the file, the node (or `-` for the flow's own settings) and the
field: an unknown node type or key, a target that names no node, a node that cannot be
reached from `start`, a node from which no way leads out of the IVR, a loop of nodes
that never wait for anything, a missing prompt or prompt file, a bad pattern, template
or calendar. The format is described in docs/ivr.md; the graph checks are in
`centralita.core.ivr.graph`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, NoReturn

from centralita.core.ivr.calendar import BusinessCalendar, CalendarError, parse_calendar
from centralita.core.ivr.checks import CHECKS
from centralita.core.ivr.errors import InvalidFlow
from centralita.core.ivr.flow import (
    ANY_LANGUAGE,
    Choice,
    Collect,
    Condition,
    Flow,
    Hangup,
    Http,
    Menu,
    Node,
    Play,
    PromptPart,
    PromptSpec,
    Say,
    SetValues,
    Test,
    ToQueue,
    Transfer,
    Voicemail,
)
from centralita.core.ivr.graph import graph_problems
from centralita.core.ivr.say import CURRENCIES, KINDS, LANGUAGES
from centralita.core.ivr.template import template_names

FLOW_KEYS = {
    "flow",
    "version",
    "description",
    "start",
    "language",
    "languages",
    "input",
    "min_confidence",
    "currency",
    "dnis",
    "campaigns",
    "calendars",
    "prompts",
    "vars",
    "nodes",
}
KEYS = "0123456789*#"
OUTCOMES = ("self_served", "rejected")
METHODS = ("GET", "POST", "PUT")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_BASE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_.]*)\}")
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


class _Problem(Exception):
    def __init__(self, field: str, why: str) -> None:
        super().__init__(why)
        self.field = field
        self.why = why


class _Node:
    """Reads one node's mapping, remembering which keys were used."""

    def __init__(self, parser: _Parser, raw: Mapping[str, Any]) -> None:
        self.parser = parser
        self.raw = raw
        self.used = {"type", "description"}

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.raw.get(key, default)

    def need(self, key: str, what: str) -> Any:
        value = self.get(key)
        if value is None:
            raise _Problem(key, f"required: {what}")
        return value

    def target(self, key: str) -> str:
        value = self.need(key, "the id of the node to go to")
        if not isinstance(value, str):
            raise _Problem(key, "expected a node id")
        return value

    def text(self, key: str, default: str | None = None, *, template: bool = True) -> str | None:
        value = self.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise _Problem(key, "expected text")
        value = str(value)
        if template:
            _check_template(value, key)
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise _Problem(key, f"expected a number from {low:g} to {high:g}")
        return float(value)

    def integer(self, key: str, default: int | None, low: int, high: int) -> int | None:
        value = self.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Problem(key, f"expected a whole number from {low} to {high}")
        return int(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise _Problem(key, "expected true or false")
        return value

    def prompt(self, key: str, *, required: bool) -> PromptSpec | None:
        value = self.get(key)
        if value is None:
            if required:
                raise _Problem(
                    key, "required: the prompt to play (text, {file: ...} or {ref: ...})"
                )
            return None
        return self.parser.prompt(value, key)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, [])
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise _Problem(key, "expected a list of strings")
        return tuple(str(v) for v in value)

    def mapping(self, key: str) -> Mapping[str, str]:
        value = self.get(key, {})
        if not isinstance(value, Mapping):
            raise _Problem(key, "expected a mapping")
        out: dict[str, str] = {}
        for name, item in value.items():
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise _Problem(f"{key}.{name}", "expected text or a number")
            _check_template(str(item), f"{key}.{name}")
            out[str(name)] = str(item)
        return MappingProxyType(out)

    def skills(self, key: str) -> tuple[tuple[str, int], ...]:
        value = self.get(key, {})
        if not isinstance(value, Mapping):
            raise _Problem(key, "expected a mapping of skill to level 1-5")
        for name, level in value.items():
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
                raise _Problem(f"{key}.{name}", "expected a level from 1 to 5")
        return tuple(sorted((str(k), int(v)) for k, v in value.items()))

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            raise _Problem(unknown[0], f"unknown key (accepted: {', '.join(sorted(self.used))})")


def _check_template(text: str, field: str) -> None:
    try:
        template_names(text)
    except ValueError as exc:
        raise _Problem(field, f"bad template: {exc}") from None


def _variable(value: object, field: str) -> str:
    if not isinstance(value, str) or not _VAR.match(value):
        raise _Problem(field, "expected a variable name (letters, digits, _ and .)")
    return value


class _Parser:
    def __init__(
        self,
        source: str,
        prompt_exists: Callable[[str], bool] | None,
        calendars: Mapping[str, BusinessCalendar],
    ) -> None:
        self.source = source
        self.prompt_exists = prompt_exists
        self.calendars = dict(calendars)
        self.library: Mapping[str, Any] = {}
        self.languages: tuple[str, ...] = ("es",)
        self.currency = "COP"
        self.variables: dict[str, str] = {}
        self.problems: list[InvalidFlow] = []

    def fail(self, node: str, field: str, why: str) -> None:
        where = f"node {node}" if node != "-" else "flow"
        where += f": {field}" if field != "-" else ""
        self.problems.append(
            InvalidFlow(f"{self.source}: {where}: {why}", file=self.source, node=node, field=field)
        )

    # --- prompts ----------------------------------------------------------------------

    def prompt(self, value: object, field: str, *, depth: int = 0) -> PromptSpec:
        if isinstance(value, Mapping) and set(value) == {"ref"}:
            name = value["ref"]
            if not isinstance(name, str) or name not in self.library:
                known = ", ".join(sorted(self.library)) or "none defined"
                raise _Problem(f"{field}.ref", f"no prompt named {name!r} in prompts ({known})")
            if depth:
                raise _Problem(f"{field}.ref", "a library prompt cannot refer to another")
            return self.prompt(self.library[name], f"prompts.{name}", depth=1)
        if isinstance(value, Mapping) and value and set(value) <= set(LANGUAGES):
            parts = tuple(
                (str(lang), self._part(item, f"{field}.{lang}")) for lang, item in value.items()
            )
            for lang, _ in parts:
                if lang not in self.languages:
                    raise _Problem(
                        f"{field}.{lang}",
                        f"language not in the flow's languages {list(self.languages)}",
                    )
            return PromptSpec(parts)
        return PromptSpec(((ANY_LANGUAGE, self._part(value, field)),))

    def _part(self, value: object, field: str) -> PromptPart:
        if isinstance(value, str):
            if not value.strip():
                raise _Problem(field, "empty prompt")
            _check_template(value, field)
            return PromptPart(text=value)
        if isinstance(value, Mapping) and len(value) == 1 and "text" in value:
            return self._part(value["text"], f"{field}.text")
        if isinstance(value, Mapping) and len(value) == 1 and "file" in value:
            path = value["file"]
            if not isinstance(path, str) or not path:
                raise _Problem(f"{field}.file", "expected a file name")
            if self.prompt_exists is not None and not self.prompt_exists(path):
                raise _Problem(f"{field}.file", f"prompt file {path!r} does not exist")
            return PromptPart(file=path)
        raise _Problem(
            field,
            "expected text, {text: ...}, {file: ...}, {ref: ...} or one per language (es:, en:)",
        )

    # --- nodes ------------------------------------------------------------------------

    def node(self, node_id: str, raw: object) -> Node:
        if not isinstance(raw, Mapping):
            raise _Problem("-", "expected a mapping with a type")
        kind = raw.get("type")
        build = _BUILDERS.get(kind) if isinstance(kind, str) else None
        if build is None:
            raise _Problem(
                "type", f"unknown node type {kind!r} (use {', '.join(sorted(_BUILDERS))})"
            )
        reader = _Node(self, raw)
        node = build(reader, node_id)
        reader.done()
        return node


def _choices(n: _Node, ask: bool) -> tuple[Choice, ...]:
    raw = n.need("choices", "a mapping of key (or word) to node id")
    if not isinstance(raw, Mapping) or not raw:
        raise _Problem("choices", "expected a non-empty mapping")
    choices: list[Choice] = []
    for label, spec in raw.items():
        label = str(label)
        field = f"choices.{label}"
        if not ask and (len(label) != 1 or label not in KEYS):
            raise _Problem(field, f"a menu choice is one key of {KEYS}")
        if isinstance(spec, str):
            spec = {"goto": spec}
        if not isinstance(spec, Mapping) or not isinstance(spec.get("goto"), str):
            raise _Problem(field, "expected a node id or {goto: node, words: [...], key: ...}")
        unknown = set(spec) - {"goto", "words", "key"}
        if unknown:
            raise _Problem(f"{field}.{sorted(unknown)[0]}", "unknown key (use goto, words, key)")
        key = label if not ask else spec.get("key")
        if key is not None and (
            not isinstance(key, str | int) or str(key) not in KEYS or len(str(key)) != 1
        ):
            raise _Problem(f"{field}.key", f"expected one key of {KEYS}")
        words = _words(spec.get("words", []), f"{field}.words", n.parser.languages)
        if ask:
            words = ((ANY_LANGUAGE, (label.lower(),)), *words)
        choices.append(Choice(None if key is None else str(key), words, spec["goto"], label))
    keys = [c.key for c in choices if c.key is not None]
    if len(keys) != len(set(keys)):
        raise _Problem("choices", "two choices use the same key")
    return tuple(choices)


def _words(
    value: object, field: str, languages: tuple[str, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(value, list):
        value = {ANY_LANGUAGE: value}
    if not isinstance(value, Mapping):
        raise _Problem(field, "expected a list of words or one list per language")
    out: list[tuple[str, tuple[str, ...]]] = []
    for lang, words in value.items():
        if lang != ANY_LANGUAGE and lang not in languages:
            raise _Problem(
                f"{field}.{lang}", f"language not in the flow's languages {list(languages)}"
            )
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise _Problem(f"{field}", "expected a list of words")
        out.append((str(lang), tuple(w.strip().lower() for w in words)))
    return tuple(out)


def _menu(n: _Node, node_id: str, ask: bool = False) -> Menu:
    save_as = n.get("save_as")
    return Menu(
        node_id,
        prompt=n.prompt("prompt", required=True),  # type: ignore[arg-type]
        choices=_choices(n, ask),
        default=n.target("default"),
        invalid=n.prompt("invalid", required=False),
        no_input=n.prompt("no_input", required=False),
        voice_prompt=n.prompt("voice_prompt", required=False),
        attempts=n.integer("attempts", 3, 1, 10) or 3,
        timeout=n.number("timeout", 5.0, 1, 60),
        ask=ask,
        save_as=None if save_as is None else _variable(save_as, "save_as"),
    )


def _collect(n: _Node, node_id: str, verify: bool = False) -> Collect:
    check = n.get("check")
    if check is not None and check not in CHECKS:
        raise _Problem("check", f"unknown check {check!r} (use {', '.join(sorted(CHECKS))})")
    pattern = n.text("pattern", template=False)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _Problem("pattern", f"bad regular expression: {exc}") from None
    length = n.integer("length", None, 1, 30)
    low = n.integer("min_length", length or 1, 1, 30) or 1
    high = n.integer("max_length", length or 20, 1, 30) or 20
    if low > high:
        raise _Problem("min_length", "greater than max_length")
    terminator = n.text("terminator", "#", template=False) or ""
    if terminator not in ("", "#", "*"):
        raise _Problem("terminator", "expected # or * (or empty for none)")
    expect = n.text("expect") if verify else None
    if verify and expect is None:
        raise _Problem("expect", 'required: the value to compare with, e.g. "{contact.document}"')
    return Collect(
        node_id,
        prompt=n.prompt("prompt", required=True),  # type: ignore[arg-type]
        next=n.target("verified" if verify else "next"),
        failure=n.target("failed" if verify else "failure"),
        save_as=_variable(n.get("save_as", "identity" if verify else "digits"), "save_as"),
        min_length=low,
        max_length=high,
        terminator=terminator,
        timeout=n.number("timeout", 7.0, 1, 60),
        check=check,
        pattern=pattern,
        invalid=n.prompt("invalid", required=False),
        no_input=n.prompt("no_input", required=False),
        attempts=n.integer("attempts", 3, 1, 10) or 3,
        expect=expect,
        attribute=_variable(n.get("attribute", "identity_verified"), "attribute")
        if verify
        else None,
    )


def _test(raw: object, field: str, parser: _Parser) -> Test:
    if not isinstance(raw, Mapping) or not raw:
        raise _Problem(field, "expected a mapping of tests (open, caller_prefix, var, ...)")
    known = set(Test.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise _Problem(
            f"{field}.{sorted(unknown)[0]}", f"unknown test (use {', '.join(sorted(known))})"
        )
    for key in ("open", "closed", "holiday"):
        name = raw.get(key)
        if name is not None and name not in parser.calendars:
            raise _Problem(
                f"{field}.{key}",
                f"no calendar named {name!r} ({_names(parser.calendars)})",
            )
    value_tests = {"equals", "one_of", "matches", "present", "above", "below"}
    if value_tests & set(raw) and "var" not in raw:
        raise _Problem(
            f"{field}.var", "required with equals, one_of, matches, present, above, below"
        )
    if "var" in raw and not value_tests & set(raw):
        raise _Problem(
            f"{field}.var", "needs one of equals, one_of, matches, present, above, below"
        )
    if "matches" in raw:
        try:
            re.compile(str(raw["matches"]))
        except re.error as exc:
            raise _Problem(f"{field}.matches", f"bad regular expression: {exc}") from None
    bounds: dict[str, Decimal | None] = {}
    for key in ("above", "below"):
        try:
            bounds[key] = None if raw.get(key) is None else Decimal(str(raw[key]))
        except InvalidOperation:
            raise _Problem(f"{field}.{key}", "expected a number") from None

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list):
            value = [value]
        return tuple(str(v) for v in value)

    present = raw.get("present")
    if present is not None and not isinstance(present, bool):
        raise _Problem(f"{field}.present", "expected true or false")
    return Test(
        open=raw.get("open"),
        closed=raw.get("closed"),
        holiday=raw.get("holiday"),
        caller_prefix=strings("caller_prefix"),
        caller_in=strings("caller_in"),
        dnis_in=strings("dnis_in"),
        var=None if raw.get("var") is None else _variable(raw["var"], f"{field}.var"),
        equals=None if raw.get("equals") is None else str(raw["equals"]),
        one_of=strings("one_of") if "one_of" in raw else None,
        matches=None if raw.get("matches") is None else str(raw["matches"]),
        present=present,
        above=bounds["above"],
        below=bounds["below"],
    )


def _condition(n: _Node, node_id: str) -> Condition:
    raw = n.need("branches", "a list of {if: {...}, goto: node}")
    if not isinstance(raw, list) or not raw:
        raise _Problem("branches", "expected a non-empty list of {if: {...}, goto: node}")
    branches: list[tuple[Test, str]] = []
    for i, branch in enumerate(raw):
        field = f"branches[{i}]"
        if not isinstance(branch, Mapping) or set(branch) != {"if", "goto"}:
            raise _Problem(field, "expected {if: {...}, goto: node}")
        if not isinstance(branch["goto"], str):
            raise _Problem(f"{field}.goto", "expected a node id")
        branches.append((_test(branch["if"], f"{field}.if", n.parser), branch["goto"]))
    return Condition(node_id, tuple(branches), n.target("else"))


def _http(n: _Node, node_id: str) -> Http:
    method = str(n.get("method", "GET")).upper()
    if method not in METHODS:
        raise _Problem("method", f"expected one of {', '.join(METHODS)}")
    url = n.text("url") or ""
    base = _BASE.match(url)
    if base is not None:
        default = n.parser.variables.get(base.group(1), "")
        if not default.startswith(("http://", "https://")):
            raise _Problem("url", f"{base.group(0)} must be a flow var holding an http(s) address")
    elif not url.startswith(("http://", "https://")):
        raise _Problem("url", "required: an http:// or https:// address, or {var}/... ")
    assign = n.get("assign", {})
    if not isinstance(assign, Mapping) or not all(isinstance(v, str) for v in assign.values()):
        raise _Problem("assign", "expected a mapping of variable to a path in the JSON answer")
    for var in assign:
        _variable(var, f"assign.{var}")
    return Http(
        node_id,
        method=method,
        url=url,
        next=n.target("next"),
        fallback=n.target("fallback"),
        body=n.mapping("body"),
        headers=n.mapping("headers"),
        timeout=n.number("timeout", 3.0, 0.1, 30),
        assign=MappingProxyType(dict(assign)),
    )


def _say(n: _Node, node_id: str) -> Say:
    kind = n.get("as", "number")
    if kind not in KINDS:
        raise _Problem("as", f"expected one of {', '.join(KINDS)}")
    currency = n.get("currency", n.parser.currency)
    if currency not in CURRENCIES:
        raise _Problem("currency", f"expected one of {', '.join(CURRENCIES)}")
    language = n.get("language")
    if language is not None and language not in n.parser.languages:
        raise _Problem(
            "language", f"expected one of the flow's languages {list(n.parser.languages)}"
        )
    value = n.text("value")
    if value is None:
        raise _Problem("value", 'required: what to say, e.g. "{balance}"')
    return Say(node_id, value, kind, n.target("next"), currency, language)


def _set(n: _Node, node_id: str) -> SetValues:
    language = n.get("language")
    if language is not None and language not in n.parser.languages:
        raise _Problem(
            "language", f"expected one of the flow's languages {list(n.parser.languages)}"
        )
    return SetValues(
        node_id,
        next=n.target("next"),
        language=language,
        segment=n.text("segment"),
        priority=n.integer("priority", None, 1, 10),
        skills=n.skills("skills"),
        attributes=n.mapping("attributes"),
        variables=n.mapping("vars"),
        served=n.flag("served", False),
    )


def _queue(n: _Node, node_id: str) -> ToQueue:
    callback = n.get("callback")
    after, key = None, "1"
    if callback is not None:
        if not isinstance(callback, Mapping) or set(callback) - {"after", "key"}:
            raise _Problem("callback", "expected {after: seconds, key: '1'}")
        after_raw = callback.get("after", 60)
        if isinstance(after_raw, bool) or not isinstance(after_raw, int | float) or after_raw < 0:
            raise _Problem("callback.after", "expected seconds (a number ≥ 0)")
        after, key = float(after_raw), str(callback.get("key", "1"))
        if key not in KEYS or len(key) != 1:
            raise _Problem("callback.key", f"expected one key of {KEYS}")
    queue = n.text("queue", template=False)
    if not queue:
        raise _Problem("queue", "required: the queue's id")
    return ToQueue(
        node_id,
        queue=queue,
        prompt=n.prompt("prompt", required=False),
        priority=n.integer("priority", None, 1, 10),
        skills=n.skills("skills"),
        music=n.text("music", template=False),
        announce_position=n.flag("announce_position", False),
        announce_wait=n.flag("announce_wait", False),
        announce_every=n.number("announce_every", 60.0, 10, 3600),
        callback_after=after,
        callback_key=key,
    )


def _hangup(n: _Node, node_id: str) -> Hangup:
    outcome = n.get("outcome", "self_served")
    if outcome not in OUTCOMES:
        raise _Problem("outcome", f"expected one of {', '.join(OUTCOMES)}")
    return Hangup(node_id, n.prompt("prompt", required=False), outcome)


def _required(n: _Node, key: str, what: str) -> str:
    value = n.text(key)
    if not value:
        raise _Problem(key, f"required: {what}")
    return value


_BUILDERS: dict[str, Callable[[_Node, str], Node]] = {
    "play": lambda n, i: Play(i, n.prompt("prompt", required=True), n.target("next")),  # type: ignore[arg-type]
    "menu": _menu,
    "ask": lambda n, i: _menu(n, i, ask=True),
    "collect": _collect,
    "verify": lambda n, i: _collect(n, i, verify=True),
    "condition": _condition,
    "http": _http,
    "say": _say,
    "set": _set,
    "queue": _queue,
    "voicemail": lambda n, i: Voicemail(
        i, _required(n, "box", "the mailbox"), n.prompt("prompt", required=False)
    ),
    "transfer": lambda n, i: Transfer(
        i, _required(n, "number", "the number to call"), n.prompt("prompt", required=False)
    ),
    "hangup": _hangup,
}


def parse_flow(
    data: object,
    source: str,
    *,
    prompt_exists: Callable[[str], bool] | None = None,
    calendars: Mapping[str, BusinessCalendar] | None = None,
) -> Flow:
    """Turn a flow's plain data into a `Flow`, or raise `InvalidFlow` (with every problem
    found in `.problems`). `prompt_exists` checks recorded prompt files; `calendars` adds
    shared calendars to the flow's own."""
    parser = _Parser(source, prompt_exists, calendars or {})
    if not isinstance(data, Mapping):
        parser.fail("-", "-", "expected a mapping with flow, version, start and nodes")
        _raise(parser)
    settings = _settings(parser, data)
    nodes: dict[str, Node] = {}
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, Mapping) or not raw_nodes:
        parser.fail("-", "nodes", "required: a mapping of node id to node")
        _raise(parser)
    for node_id, raw in raw_nodes.items():
        node_id = str(node_id)
        if not _NAME.match(node_id):
            parser.fail(node_id, "-", "a node id uses letters, digits, _, . and -")
            continue
        try:
            nodes[node_id] = parser.node(node_id, raw)
        except _Problem as problem:
            parser.fail(node_id, problem.field, problem.why)
    if parser.problems:
        _raise(parser)
    start = settings["start"]
    for node_id, field, why in graph_problems(nodes, start):
        parser.fail(node_id, field, why)
    if parser.problems:
        _raise(parser)
    return Flow(
        nodes=MappingProxyType(nodes),
        source=source,
        calendars=MappingProxyType(parser.calendars),
        **settings,
    )


def _names(found: Mapping[str, object]) -> str:
    return ", ".join(sorted(found)) or "none defined"


def _raise(parser: _Parser) -> NoReturn:
    first = parser.problems[0]
    first.problems = list(parser.problems)
    raise first


def _settings(parser: _Parser, data: Mapping[str, Any]) -> dict[str, Any]:
    """The flow's own keys; problems go to `parser` (then raised before the nodes)."""
    for key in sorted(set(data) - FLOW_KEYS):
        parser.fail("-", key, f"unknown key (accepted: {', '.join(sorted(FLOW_KEYS))})")
    flow_id = data.get("flow")
    if not isinstance(flow_id, str) or not _NAME.match(flow_id):
        parser.fail("-", "flow", "required: the flow's id (letters, digits, _, . and -)")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        parser.fail("-", "version", "required: a whole number ≥ 1, raised on every change")
    start = data.get("start")
    if not isinstance(start, str):
        parser.fail("-", "start", "required: the id of the first node")
    language = data.get("language", "es")
    languages = data.get("languages", [language])
    if not isinstance(languages, list) or not languages or not set(languages) <= set(LANGUAGES):
        parser.fail("-", "languages", f"expected a list of {', '.join(LANGUAGES)}")
        languages = [language]
    if language not in languages:
        parser.fail("-", "language", f"expected one of the flow's languages {languages}")
    parser.languages = tuple(languages)
    input_mode = data.get("input", "keypad")
    if input_mode not in ("keypad", "voice"):
        parser.fail("-", "input", "expected keypad or voice")
    confidence = data.get("min_confidence", 0.5)
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not 0 <= confidence <= 1
    ):
        parser.fail("-", "min_confidence", "expected a number from 0 to 1")
    currency = data.get("currency", "COP")
    if currency not in CURRENCIES:
        parser.fail("-", "currency", f"expected one of {', '.join(CURRENCIES)}")
    parser.currency = currency
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("dnis", "campaigns"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            parser.fail("-", key, "expected a list of strings")
            value = []
        lists[key] = tuple(str(v) for v in value)
    calendars = data.get("calendars", {})
    if not isinstance(calendars, Mapping):
        parser.fail("-", "calendars", "expected a mapping of name to calendar")
        calendars = {}
    for name, raw in calendars.items():
        try:
            parser.calendars[str(name)] = parse_calendar(raw)
        except CalendarError as exc:
            parser.fail("-", f"calendars.{name}.{exc.field}", exc.why)
    variables = data.get("vars", {})
    if not isinstance(variables, Mapping) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in variables.values()
    ):
        parser.fail("-", "vars", "expected a mapping of name to text or number")
        variables = {}
    for name in variables:
        if not isinstance(name, str) or not _VAR.match(name):
            parser.fail("-", f"vars.{name}", "a variable name uses letters, digits, _ and .")
    parser.variables = {str(k): str(v) for k, v in variables.items()}
    library = data.get("prompts", {})
    if not isinstance(library, Mapping):
        parser.fail("-", "prompts", "expected a mapping of name to prompt")
        library = {}
    parser.library = library
    for name, raw in library.items():
        try:
            parser.prompt(raw, f"prompts.{name}", depth=1)
        except _Problem as problem:
            parser.fail("-", problem.field, problem.why)
    if parser.problems:
        _raise(parser)
    return {
        "id": flow_id,
        "version": version,
        "start": start,
        "language": language,
        "languages": tuple(languages),
        "input": input_mode,
        "min_confidence": float(confidence),
        "currency": currency,
        "dnis": lists["dnis"],
        "campaigns": lists["campaigns"],
        "variables": MappingProxyType(parser.variables),
    }
