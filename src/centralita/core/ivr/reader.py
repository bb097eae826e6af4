"""Reading flow data with errors that name the field: the shared context of one flow
(languages, calendars, prompts library, variables) and a reader for one node's keys."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from centralita.core.ivr.calendar import BusinessCalendar
from centralita.core.ivr.errors import InvalidFlow
from centralita.core.ivr.flow import ANY_LANGUAGE, PromptPart, PromptSpec
from centralita.core.ivr.say import LANGUAGES
from centralita.core.ivr.template import template_names

VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


class Problem(Exception):
    """One thing wrong in a node or setting: `field` and why (the caller adds file and node)."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(why)
        self.field = field
        self.why = why


class Reader:
    """Reads one node's mapping, remembering which keys were used."""

    def __init__(self, context: Context, raw: Mapping[str, Any]) -> None:
        self.context = context
        self.raw = raw
        self.used = {"type", "description"}

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.raw.get(key, default)

    def need(self, key: str, what: str) -> Any:
        value = self.get(key)
        if value is None:
            raise Problem(key, f"required: {what}")
        return value

    def target(self, key: str) -> str:
        value = self.need(key, "the id of the node to go to")
        if not isinstance(value, str):
            raise Problem(key, "expected a node id")
        return value

    def text(self, key: str, default: str | None = None, *, template: bool = True) -> str | None:
        value = self.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise Problem(key, "expected text")
        value = str(value)
        if template:
            check_template(value, key)
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise Problem(key, f"expected a number from {low:g} to {high:g}")
        return float(value)

    def integer(self, key: str, default: int | None, low: int, high: int) -> int | None:
        value = self.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise Problem(key, f"expected a whole number from {low} to {high}")
        return int(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise Problem(key, "expected true or false")
        return value

    def prompt(self, key: str, *, required: bool) -> PromptSpec | None:
        value = self.get(key)
        if value is None:
            if required:
                raise Problem(key, "required: the prompt to play (text, {file: ...} or {ref: ...})")
            return None
        return self.context.prompt(value, key)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, [])
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise Problem(key, "expected a list of strings")
        return tuple(str(v) for v in value)

    def mapping(self, key: str) -> Mapping[str, str]:
        value = self.get(key, {})
        if not isinstance(value, Mapping):
            raise Problem(key, "expected a mapping")
        out: dict[str, str] = {}
        for name, item in value.items():
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise Problem(f"{key}.{name}", "expected text or a number")
            check_template(str(item), f"{key}.{name}")
            out[str(name)] = str(item)
        return MappingProxyType(out)

    def skills(self, key: str) -> tuple[tuple[str, int], ...]:
        value = self.get(key, {})
        if not isinstance(value, Mapping):
            raise Problem(key, "expected a mapping of skill to level 1-5")
        for name, level in value.items():
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
                raise Problem(f"{key}.{name}", "expected a level from 1 to 5")
        return tuple(sorted((str(k), int(v)) for k, v in value.items()))

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.used)
        if unknown:
            raise Problem(unknown[0], f"unknown key (accepted: {', '.join(sorted(self.used))})")


def check_template(text: str, field: str) -> None:
    try:
        template_names(text)
    except ValueError as exc:
        raise Problem(field, f"bad template: {exc}") from None


def variable(value: object, field: str) -> str:
    if not isinstance(value, str) or not VAR.match(value):
        raise Problem(field, "expected a variable name (letters, digits, _ and .)")
    return value


class Context:
    """What one flow's nodes are read against, and the problems found so far."""

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
                raise Problem(f"{field}.ref", f"no prompt named {name!r} in prompts ({known})")
            if depth:
                raise Problem(f"{field}.ref", "a library prompt cannot refer to another")
            return self.prompt(self.library[name], f"prompts.{name}", depth=1)
        if isinstance(value, Mapping) and value and set(value) <= set(LANGUAGES):
            parts = tuple(
                (str(lang), self._part(item, f"{field}.{lang}")) for lang, item in value.items()
            )
            for lang, _ in parts:
                if lang not in self.languages:
                    raise Problem(
                        f"{field}.{lang}",
                        f"language not in the flow's languages {list(self.languages)}",
                    )
            return PromptSpec(parts)
        return PromptSpec(((ANY_LANGUAGE, self._part(value, field)),))

    def _part(self, value: object, field: str) -> PromptPart:
        if isinstance(value, str):
            if not value.strip():
                raise Problem(field, "empty prompt")
            check_template(value, field)
            return PromptPart(text=value)
        if isinstance(value, Mapping) and len(value) == 1 and "text" in value:
            return self._part(value["text"], f"{field}.text")
        if isinstance(value, Mapping) and len(value) == 1 and "file" in value:
            path = value["file"]
            if not isinstance(path, str) or not path:
                raise Problem(f"{field}.file", "expected a file name")
            if self.prompt_exists is not None and not self.prompt_exists(path):
                raise Problem(f"{field}.file", f"prompt file {path!r} does not exist")
            return PromptPart(file=path)
        raise Problem(
            field,
            "expected text, {text: ...}, {file: ...}, {ref: ...} or one per language (es:, en:)",
        )


def names(found: Mapping[str, object]) -> str:
    """The keys of `found` for an error message."""
    return ", ".join(sorted(found)) or "none defined"
