"""Safe text templates for prompts, URLs and attributes: "Su saldo es {balance:amount}".

`{name}` is replaced by a variable's value, `{name:kind}` by the value said as a number,
amount, date or digit string (`centralita.core.ivr.say`); `{{` and `}}` are literal
braces. Names are looked up in a plain mapping: no attribute access, no indexing, no
evaluation, so a flow file or an HTTP answer can never run code. A missing variable is
empty; a value that cannot be said as its kind is left as it is.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping

from centralita.core.ivr.say import KINDS, say_value

_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.]*)(?::([a-z]+))?\}|[{}]")


def template_names(text: str) -> list[str]:
    """The variable names `text` uses; ValueError for a stray brace or an unknown kind."""
    names: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise ValueError(
                f"stray {token!r} at {match.start()} "
                f"(write {{name}}, {{name:amount}} or {token * 2})"
            )
        kind = match.group(2)
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} in {token} (use one of {', '.join(KINDS)})")
        names.append(match.group(1))
    return names


def render(
    text: str,
    variables: Mapping[str, str],
    *,
    language: str = "es",
    currency: str = "COP",
    escape: Callable[[str], str] | None = None,
) -> str:
    """`text` with its fields replaced; `escape` is applied to each substituted value
    (e.g. URL quoting), never to the template's own text."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name, kind = match.group(1), match.group(2)
        if name is None:
            return token
        value = variables.get(name, "")
        if kind is not None and value != "":
            with contextlib.suppress(ValueError):
                value = say_value(value, kind, language, currency)
        return escape(value) if escape else value

    return _TOKEN.sub(replace, text)
