"""Checks on a flow's graph: every target exists, every node is reachable from the
start, every node has a way out of the IVR, and no loop runs without waiting."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from centralita.core.ivr.flow import TERMINALS, Node


def graph_problems(nodes: Mapping[str, Node], start: str) -> Iterator[tuple[str, str, str]]:
    """(node, field, why) for each problem, in a stable order."""
    if start not in nodes:
        yield "-", "start", f"no node named {start!r}"
        return
    broken = False
    for node in nodes.values():
        for field, target in node.targets():
            if target not in nodes:
                broken = True
                yield node.id, field, f"goes to {target!r}, which is no node of this flow"
    if broken:
        return
    reachable = _reach([start], lambda n: [t for _, t in nodes[n].targets()])
    for node_id in nodes:
        if node_id not in reachable:
            yield node_id, "-", f"unreachable: no path leads here from start ({start!r})"
    incoming: dict[str, list[str]] = {n: [] for n in nodes}
    for node in nodes.values():
        for _, target in node.targets():
            incoming[target].append(node.id)
    exits = [n.id for n in nodes.values() if isinstance(n, TERMINALS)]
    leaves = _reach(exits, lambda n: incoming[n])
    for node_id in nodes:
        if node_id in reachable and node_id not in leaves:
            yield (
                node_id,
                "-",
                (
                    "no way out: every path from here loops without reaching "
                    "a queue, voicemail, transfer or hangup"
                ),
            )
    yield from _busy_loops(nodes)


def _reach(roots: list[str], step: object) -> set[str]:
    assert callable(step)
    seen = set(roots)
    todo = list(roots)
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _busy_loops(nodes: Mapping[str, Node]) -> Iterator[tuple[str, str, str]]:
    """Loops made only of nodes that may not wait (condition, set, say) could spin forever."""
    instant = {n.id for n in nodes.values() if not n.waits}
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node_id: str, path: list[str]) -> list[str] | None:
        state[node_id] = 1
        path.append(node_id)
        for _, target in nodes[node_id].targets():
            if target not in instant:
                continue
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target, path)
                if found:
                    return found
        path.pop()
        state[node_id] = 2
        return None

    for node_id in sorted(instant):
        if node_id not in state:
            loop = visit(node_id, [])
            if loop:
                yield (
                    loop[0],
                    "-",
                    (
                        f"loops without waiting for the caller: {' -> '.join(loop)} "
                        "(put a prompt, menu or request in the loop)"
                    ),
                )
                return
