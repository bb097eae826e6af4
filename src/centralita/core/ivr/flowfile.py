"""Validating an IVR flow given as plain data (parsed from YAML or JSON) into a `Flow`.

Every problem names the file, the node (or `-` for the flow's own settings) and the
field: an unknown node type or key, a target that names no node, a node that cannot be
reached from `start`, a node from which no way leads out of the IVR, a loop of nodes
that never wait for anything, a missing prompt or prompt file, a bad pattern, template
or calendar. The format is described in docs/ivr.md; nodes are read by
`centralita.core.ivr.nodefile`, the graph is checked by `centralita.core.ivr.graph`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NoReturn

from centralita.core.ivr.calendar import BusinessCalendar, CalendarError, parse_calendar
from centralita.core.ivr.flow import Flow, Node
from centralita.core.ivr.graph import graph_problems
from centralita.core.ivr.nodefile import build_node
from centralita.core.ivr.reader import VAR, Context, Problem
from centralita.core.ivr.say import CURRENCIES, LANGUAGES

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
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


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
    parser = Context(source, prompt_exists, calendars or {})
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
            nodes[node_id] = build_node(parser, node_id, raw)
        except Problem as problem:
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


def _raise(parser: Context) -> NoReturn:
    first = parser.problems[0]
    first.problems = list(parser.problems)
    raise first


def _settings(parser: Context, data: Mapping[str, Any]) -> dict[str, Any]:
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
        if not isinstance(name, str) or not VAR.match(name):
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
        except Problem as problem:
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


def parse_calendars(data: object, source: str) -> dict[str, BusinessCalendar]:
    """A shared calendars file (`calendars: {name: calendar}`), or `InvalidFlow`
    naming the calendar and its field."""
    parser = Context(source, None, {})
    raw = (
        data.get("calendars") if isinstance(data, Mapping) and set(data) == {"calendars"} else None
    )
    if not isinstance(raw, Mapping):
        parser.fail("-", "calendars", "expected a mapping with only `calendars: {name: ...}`")
        _raise(parser)
    found: dict[str, BusinessCalendar] = {}
    for name, item in raw.items():
        try:
            found[str(name)] = parse_calendar(item)
        except CalendarError as exc:
            parser.fail("-", f"calendars.{name}.{exc.field}", exc.why)
    if parser.problems:
        _raise(parser)
    return found
