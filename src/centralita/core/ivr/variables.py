"""Which variables a flow uses but never sets: most often a typo ("{balanse:amount}").

Set are: `caller`, `dnis`, `contact.*` (the contact record, unknown in advance),
`http.status` and `http.error`, the flow's `vars`, and what nodes store (`save_as`,
`assign`, `set` → `vars`). The checker reports these as warnings: a flow may still rely
on a variable the center provides.
"""

from __future__ import annotations

from collections.abc import Iterator

from centralita.core.ivr import flow as f
from centralita.core.ivr.template import template_names

BUILT_IN = {"caller", "dnis", "http.status", "http.error"}
PROVIDED_PREFIXES = ("contact.",)


def _prompt_texts(field: str, spec: f.PromptSpec | None) -> Iterator[tuple[str, str]]:
    if spec is None:
        return
    for language, part in spec.parts:
        if part.text is not None:
            yield (f"{field}.{language}" if language else field), part.text


def _templates(node: f.Node) -> Iterator[tuple[str, str]]:
    """(field, template) pairs of a node."""
    for name in ("prompt", "invalid", "no_input", "voice_prompt"):
        yield from _prompt_texts(name, getattr(node, name, None))
    if isinstance(node, f.Http):
        yield "url", node.url
        yield from ((f"body.{k}", v) for k, v in node.body.items())
        yield from ((f"headers.{k}", v) for k, v in node.headers.items())
    elif isinstance(node, f.Collect) and node.expect is not None:
        yield "expect", node.expect
    elif isinstance(node, f.Say):
        yield "value", node.value
    elif isinstance(node, f.SetValues):
        if node.segment is not None:
            yield "segment", node.segment
        yield from ((f"attributes.{k}", v) for k, v in node.attributes.items())
        yield from ((f"vars.{k}", v) for k, v in node.variables.items())
    elif isinstance(node, f.Transfer):
        yield "number", node.number
    elif isinstance(node, f.Voicemail):
        yield "box", node.box


def _stored(node: f.Node) -> set[str]:
    if isinstance(node, f.Collect):
        return {node.save_as}
    if isinstance(node, f.Menu) and node.save_as:
        return {node.save_as}
    if isinstance(node, f.Http):
        return set(node.assign)
    if isinstance(node, f.SetValues):
        return set(node.variables)
    return set()


def unset_variables(flow: f.Flow) -> list[tuple[str, str, str]]:
    """(node, field, variable) for each use of a variable nothing sets."""
    known = set(BUILT_IN) | set(flow.variables)
    for node in flow.nodes.values():
        known |= _stored(node)
    found: list[tuple[str, str, str]] = []
    for node in flow.nodes.values():
        uses = [(field, name) for field, text in _templates(node) for name in template_names(text)]
        if isinstance(node, f.Condition):
            uses += [
                (f"branches[{i}].if.var", test.var)
                for i, (test, _) in enumerate(node.branches)
                if test.var is not None
            ]
        for field, name in uses:
            if name not in known and not name.startswith(PROVIDED_PREFIXES):
                found.append((node.id, field, name))
    return found
