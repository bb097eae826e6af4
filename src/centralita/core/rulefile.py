"""Validating routing rules given as plain data (parsed from YAML or JSON).

    rules:
      - name: vip-line
        when: {dnis: ["+34900100200"]}
        then: {queue: vip, priority: 9}
        stop: true

Errors name the file, the rule (its name, or `#<index>`) and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from centralita.core.config import MAX_LEVEL, MAX_PRIORITY, MIN_PRIORITY
from centralita.core.errors import InvalidRule
from centralita.core.rules import Actions, Conditions, Rule
from centralita.core.skills import normalise

_WHEN = {
    "ani_prefix": "ani_prefixes",
    "dnis": "dnis",
    "segment": "segments",
    "language": "languages",
    "channel": "channels",
    "site": "sites",
    "queue": "queues",
}
_WHEN_OTHER = {"attributes", "repeat_within_hours"}
_THEN = {
    "queue",
    "priority",
    "priority_boost",
    "skills",
    "prefer_site",
    "prefer_last_agent_seconds",
    "campaign",
}


def parse_rules(data: object, source: str) -> tuple[Rule, ...]:
    """Turn `{"rules": [...]}` into `Rule`s, or raise `InvalidRule`."""

    def fail(rule: str, field: str, why: str) -> InvalidRule:
        return InvalidRule(
            f"{source}: rule {rule}: {field}: {why}", file=source, rule=rule, field=field
        )

    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise fail("-", "rules", "expected a mapping with a list under 'rules'")
    rules: list[Rule] = []
    names: set[str] = set()
    for index, raw in enumerate(data["rules"]):
        label = f"#{index}"
        if not isinstance(raw, Mapping):
            raise fail(label, "rule", "expected a mapping")
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise fail(label, "name", "required, a non-empty string")
        label = repr(name)
        if name in names:
            raise fail(label, "name", "used by an earlier rule")
        names.add(name)
        unknown = set(raw) - {"name", "when", "then", "stop"}
        if unknown:
            raise fail(label, sorted(unknown)[0], "unknown key (use name, when, then, stop)")

        def err(field: str, why: str, label: str = label) -> InvalidRule:
            return fail(label, field, why)

        when = _conditions(raw.get("when", {}), err)
        then = _actions(raw.get("then"), err)
        stop = raw.get("stop", False)
        if not isinstance(stop, bool):
            raise err("stop", "must be true or false")
        rules.append(Rule(name, when, then, stop, source))
    return tuple(rules)


Fail = Callable[[str, str], InvalidRule]


def _strings(value: Any, field: str, err: Fail) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise err(field, "expected a string or a list of strings")
    return tuple(value)


def _number(value: Any, field: str, err: Fail) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise err(field, "expected a number ≥ 0")
    return float(value)


def _conditions(raw: Any, err: Fail) -> Conditions:
    if not isinstance(raw, Mapping):
        raise err("when", "expected a mapping")
    for key in raw:
        if key not in _WHEN and key not in _WHEN_OTHER:
            accepted = ", ".join(sorted([*_WHEN, *_WHEN_OTHER]))
            raise err(f"when.{key}", f"unknown condition (accepted: {accepted})")
    fields: dict[str, Any] = {
        target: _strings(raw[key], f"when.{key}", err)
        for key, target in _WHEN.items()
        if key in raw
    }
    if "attributes" in raw:
        attrs = raw["attributes"]
        if not isinstance(attrs, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in attrs.items()
        ):
            raise err("when.attributes", "expected a mapping of strings to strings")
        fields["attributes"] = MappingProxyType(dict(attrs))
    if "repeat_within_hours" in raw:
        hours = _number(raw["repeat_within_hours"], "when.repeat_within_hours", err)
        fields["repeat_within"] = hours * 3600.0
    return Conditions(**fields)


def _actions(raw: Any, err: Fail) -> Actions:
    if not isinstance(raw, Mapping) or not raw:
        raise err("then", "required, a mapping with at least one action")
    for key in raw:
        if key not in _THEN:
            raise err(f"then.{key}", f"unknown action (accepted: {', '.join(sorted(_THEN))})")
    fields: dict[str, Any] = {}
    for key in ("queue", "prefer_site", "campaign"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key]:
                raise err(f"then.{key}", "expected a non-empty string")
            fields[key] = raw[key]
    if "priority" in raw:
        p = raw["priority"]
        if isinstance(p, bool) or not isinstance(p, int) or not MIN_PRIORITY <= p <= MAX_PRIORITY:
            raise err("then.priority", "expected an integer from 1 to 10")
        fields["priority"] = p
    if "priority_boost" in raw:
        b = raw["priority_boost"]
        if isinstance(b, bool) or not isinstance(b, int) or not -9 <= b <= 9:
            raise err("then.priority_boost", "expected an integer from -9 to 9")
        fields["priority_boost"] = b
    if "skills" in raw:
        skills = raw["skills"]
        if not isinstance(skills, Mapping) or not all(
            isinstance(k, str)
            and isinstance(v, int)
            and not isinstance(v, bool)
            and 1 <= v <= MAX_LEVEL
            for k, v in skills.items()
        ):
            raise err("then.skills", "expected a mapping of skill names to levels 1–5")
        fields["skills"] = normalise(skills.items())
    if "prefer_last_agent_seconds" in raw:
        key = "prefer_last_agent_seconds"
        fields["prefer_last_agent"] = _number(raw[key], f"then.{key}", err)
    return Actions(**fields)
