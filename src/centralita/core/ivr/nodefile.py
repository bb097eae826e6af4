"""Building each node type from its mapping in a flow file (see docs/ivr.md)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from centralita.core.ivr.checks import CHECKS
from centralita.core.ivr.flow import (
    ANY_LANGUAGE,
    Choice,
    Collect,
    Condition,
    Hangup,
    Http,
    Menu,
    Node,
    Play,
    Say,
    SetValues,
    Test,
    ToQueue,
    Transfer,
    Voicemail,
)
from centralita.core.ivr.reader import Context, Problem, Reader, names, variable
from centralita.core.ivr.say import CURRENCIES, KINDS

KEYS = "0123456789*#"
OUTCOMES = ("self_served", "rejected")
METHODS = ("GET", "POST", "PUT")
BASE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def build_node(context: Context, node_id: str, raw: object) -> Node:
    """The node `raw` describes; `Problem` names the field that is wrong."""
    if not isinstance(raw, Mapping):
        raise Problem("-", "expected a mapping with a type")
    kind = raw.get("type")
    build = BUILDERS.get(kind) if isinstance(kind, str) else None
    if build is None:
        raise Problem("type", f"unknown node type {kind!r} (use {', '.join(sorted(BUILDERS))})")
    reader = Reader(context, raw)
    node = build(reader, node_id)
    reader.done()
    return node


def _choices(n: Reader, ask: bool) -> tuple[Choice, ...]:
    raw = n.need("choices", "a mapping of key (or word) to node id")
    if not isinstance(raw, Mapping) or not raw:
        raise Problem("choices", "expected a non-empty mapping")
    choices: list[Choice] = []
    for label, spec in raw.items():
        label = str(label)
        field = f"choices.{label}"
        if not ask and (len(label) != 1 or label not in KEYS):
            raise Problem(field, f"a menu choice is one key of {KEYS}")
        if isinstance(spec, str):
            spec = {"goto": spec}
        if not isinstance(spec, Mapping) or not isinstance(spec.get("goto"), str):
            raise Problem(field, "expected a node id or {goto: node, words: [...], key: ...}")
        unknown = set(spec) - {"goto", "words", "key"}
        if unknown:
            raise Problem(f"{field}.{sorted(unknown)[0]}", "unknown key (use goto, words, key)")
        key = label if not ask else spec.get("key")
        if key is not None and (
            not isinstance(key, str | int) or str(key) not in KEYS or len(str(key)) != 1
        ):
            raise Problem(f"{field}.key", f"expected one key of {KEYS}")
        words = _words(spec.get("words", []), f"{field}.words", n.context.languages)
        if ask:
            words = ((ANY_LANGUAGE, (label.lower(),)), *words)
        choices.append(Choice(None if key is None else str(key), words, spec["goto"], label))
    keys = [c.key for c in choices if c.key is not None]
    if len(keys) != len(set(keys)):
        raise Problem("choices", "two choices use the same key")
    return tuple(choices)


def _words(
    value: object, field: str, languages: tuple[str, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if isinstance(value, list):
        value = {ANY_LANGUAGE: value}
    if not isinstance(value, Mapping):
        raise Problem(field, "expected a list of words or one list per language")
    out: list[tuple[str, tuple[str, ...]]] = []
    for lang, words in value.items():
        if lang != ANY_LANGUAGE and lang not in languages:
            raise Problem(
                f"{field}.{lang}", f"language not in the flow's languages {list(languages)}"
            )
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise Problem(f"{field}", "expected a list of words")
        out.append((str(lang), tuple(w.strip().lower() for w in words)))
    return tuple(out)


def _menu(n: Reader, node_id: str, ask: bool = False) -> Menu:
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
        save_as=None if save_as is None else variable(save_as, "save_as"),
    )


def _collect(n: Reader, node_id: str, verify: bool = False) -> Collect:
    check = n.get("check")
    if check is not None and check not in CHECKS:
        raise Problem("check", f"unknown check {check!r} (use {', '.join(sorted(CHECKS))})")
    pattern = n.text("pattern", template=False)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise Problem("pattern", f"bad regular expression: {exc}") from None
    length = n.integer("length", None, 1, 30)
    low = n.integer("min_length", length or 1, 1, 30) or 1
    high = n.integer("max_length", length or 20, 1, 30) or 20
    if low > high:
        raise Problem("min_length", "greater than max_length")
    terminator = n.text("terminator", "#", template=False) or ""
    if terminator not in ("", "#", "*"):
        raise Problem("terminator", "expected # or * (or empty for none)")
    expect = n.text("expect") if verify else None
    if verify and expect is None:
        raise Problem("expect", 'required: the value to compare with, e.g. "{contact.document}"')
    return Collect(
        node_id,
        prompt=n.prompt("prompt", required=True),  # type: ignore[arg-type]
        next=n.target("verified" if verify else "next"),
        failure=n.target("failed" if verify else "failure"),
        save_as=variable(n.get("save_as", "identity" if verify else "digits"), "save_as"),
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
        attribute=variable(n.get("attribute", "identity_verified"), "attribute")
        if verify
        else None,
    )


def _test(raw: object, field: str, context: Context) -> Test:
    if not isinstance(raw, Mapping) or not raw:
        raise Problem(field, "expected a mapping of tests (open, caller_prefix, var, ...)")
    known = set(Test.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise Problem(
            f"{field}.{sorted(unknown)[0]}", f"unknown test (use {', '.join(sorted(known))})"
        )
    for key in ("open", "closed", "holiday"):
        name = raw.get(key)
        if name is not None and name not in context.calendars:
            raise Problem(
                f"{field}.{key}",
                f"no calendar named {name!r} ({names(context.calendars)})",
            )
    value_tests = {"equals", "one_of", "matches", "present", "above", "below"}
    if value_tests & set(raw) and "var" not in raw:
        raise Problem(
            f"{field}.var", "required with equals, one_of, matches, present, above, below"
        )
    if "var" in raw and not value_tests & set(raw):
        raise Problem(f"{field}.var", "needs one of equals, one_of, matches, present, above, below")
    if "matches" in raw:
        try:
            re.compile(str(raw["matches"]))
        except re.error as exc:
            raise Problem(f"{field}.matches", f"bad regular expression: {exc}") from None
    bounds: dict[str, Decimal | None] = {}
    for key in ("above", "below"):
        try:
            bounds[key] = None if raw.get(key) is None else Decimal(str(raw[key]))
        except InvalidOperation:
            raise Problem(f"{field}.{key}", "expected a number") from None

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list):
            value = [value]
        return tuple(str(v) for v in value)

    present = raw.get("present")
    if present is not None and not isinstance(present, bool):
        raise Problem(f"{field}.present", "expected true or false")
    return Test(
        open=raw.get("open"),
        closed=raw.get("closed"),
        holiday=raw.get("holiday"),
        caller_prefix=strings("caller_prefix"),
        caller_in=strings("caller_in"),
        dnis_in=strings("dnis_in"),
        var=None if raw.get("var") is None else variable(raw["var"], f"{field}.var"),
        equals=None if raw.get("equals") is None else str(raw["equals"]),
        one_of=strings("one_of") if "one_of" in raw else None,
        matches=None if raw.get("matches") is None else str(raw["matches"]),
        present=present,
        above=bounds["above"],
        below=bounds["below"],
    )


def _condition(n: Reader, node_id: str) -> Condition:
    raw = n.need("branches", "a list of {if: {...}, goto: node}")
    if not isinstance(raw, list) or not raw:
        raise Problem("branches", "expected a non-empty list of {if: {...}, goto: node}")
    branches: list[tuple[Test, str]] = []
    for i, branch in enumerate(raw):
        field = f"branches[{i}]"
        if not isinstance(branch, Mapping) or set(branch) != {"if", "goto"}:
            raise Problem(field, "expected {if: {...}, goto: node}")
        if not isinstance(branch["goto"], str):
            raise Problem(f"{field}.goto", "expected a node id")
        branches.append((_test(branch["if"], f"{field}.if", n.context), branch["goto"]))
    return Condition(node_id, tuple(branches), n.target("else"))


def _http(n: Reader, node_id: str) -> Http:
    method = str(n.get("method", "GET")).upper()
    if method not in METHODS:
        raise Problem("method", f"expected one of {', '.join(METHODS)}")
    url = n.text("url") or ""
    base = BASE.match(url)
    if base is not None:
        default = n.context.variables.get(base.group(1), "")
        if not default.startswith(("http://", "https://")):
            raise Problem("url", f"{base.group(0)} must be a flow var holding an http(s) address")
    elif not url.startswith(("http://", "https://")):
        raise Problem("url", "required: an http:// or https:// address, or {var}/... ")
    assign = n.get("assign", {})
    if not isinstance(assign, Mapping) or not all(isinstance(v, str) for v in assign.values()):
        raise Problem("assign", "expected a mapping of variable to a path in the JSON answer")
    for var in assign:
        variable(var, f"assign.{var}")
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


def _say(n: Reader, node_id: str) -> Say:
    kind = n.get("as", "number")
    if kind not in KINDS:
        raise Problem("as", f"expected one of {', '.join(KINDS)}")
    currency = n.get("currency", n.context.currency)
    if currency not in CURRENCIES:
        raise Problem("currency", f"expected one of {', '.join(CURRENCIES)}")
    language = n.get("language")
    if language is not None and language not in n.context.languages:
        raise Problem(
            "language", f"expected one of the flow's languages {list(n.context.languages)}"
        )
    value = n.text("value")
    if value is None:
        raise Problem("value", 'required: what to say, e.g. "{balance}"')
    return Say(node_id, value, kind, n.target("next"), currency, language)


def _set(n: Reader, node_id: str) -> SetValues:
    language = n.get("language")
    if language is not None and language not in n.context.languages:
        raise Problem(
            "language", f"expected one of the flow's languages {list(n.context.languages)}"
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


def _queue(n: Reader, node_id: str) -> ToQueue:
    callback = n.get("callback")
    after, key = None, "1"
    if callback is not None:
        if not isinstance(callback, Mapping) or set(callback) - {"after", "key"}:
            raise Problem("callback", "expected {after: seconds, key: '1'}")
        after_raw = callback.get("after", 60)
        if isinstance(after_raw, bool) or not isinstance(after_raw, int | float) or after_raw < 0:
            raise Problem("callback.after", "expected seconds (a number ≥ 0)")
        after, key = float(after_raw), str(callback.get("key", "1"))
        if key not in KEYS or len(key) != 1:
            raise Problem("callback.key", f"expected one key of {KEYS}")
    queue = n.text("queue", template=False)
    if not queue:
        raise Problem("queue", "required: the queue's id")
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


def _hangup(n: Reader, node_id: str) -> Hangup:
    outcome = n.get("outcome", "self_served")
    if outcome not in OUTCOMES:
        raise Problem("outcome", f"expected one of {', '.join(OUTCOMES)}")
    return Hangup(node_id, n.prompt("prompt", required=False), outcome)


def _required(n: Reader, key: str, what: str) -> str:
    value = n.text(key)
    if not value:
        raise Problem(key, f"required: {what}")
    return value


BUILDERS: dict[str, Callable[[Reader, str], Node]] = {
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
