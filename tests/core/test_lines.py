"""A pool's indexes (`WaitingLine`, `FreeAgents`) give their live entries in exactly the
order one heap with lazy deletion would, whatever mix of in-order pushes (the lane) and
out-of-order ones (the heap), stale entries and takes they see."""

from __future__ import annotations

import heapq

from hypothesis import given, settings
from hypothesis import strategies as st

from centralita.core import AgentConfig
from centralita.core.agents import Agent, Slot
from centralita.core.interactions import Interaction
from centralita.core.lines import EMPTY, FreeAgents, WaitingLine

# (operation, key, second key): keys repeat and go back (lane, heap, ties); operation
# 0-1 push, 2 makes a random entry stale, 3 takes the first live one
ops = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from([0.0, 1.0, 1.0, 2.0, 5.0, 3.5]),
        st.sampled_from([0.0, 0.0, 1.0, 4.0]),
        st.integers(0, 1_000),
    ),
    max_size=120,
)


def _interaction(n: int, rank: float, seq: int) -> Interaction:
    inter = Interaction(f"c{n}", "voice", 0.0, 5, (), None)
    inter.rank = rank
    inter.seq = seq
    return inter


@settings(max_examples=400)
@given(ops)
def test_waiting_line_takes_interactions_in_one_heaps_order(steps) -> None:
    line = WaitingLine()
    reference: list[tuple[float, int, int, Interaction]] = []
    pushed: list[Interaction] = []
    for n, (op, rank, extra, pick) in enumerate(steps):
        if op <= 1:
            # seq (unique, as the router's) mostly grows (arrivals), sometimes is an
            # earlier place (a requeued interaction keeps its own)
            seq = n if extra else -n - 1
            inter = _interaction(n, rank, seq)
            line.push(inter)
            heapq.heappush(reference, (rank, seq, inter.token, inter))
            pushed.append(inter)
        elif op == 2 and pushed:
            pushed[pick % len(pushed)].token += 1  # it left this pool
        else:
            while reference and reference[0][3].token != reference[0][2]:
                heapq.heappop(reference)
            expected = heapq.heappop(reference)[3] if reference else None
            top = line.top()
            assert top is expected
            first = (EMPTY, 0) if top is None else (top.rank, top.seq)
            assert (line.first_rank, line.first_seq) == first  # `top` makes it exact
            if top is not None:
                assert line.pop() is expected
        if n % 17 == 16:
            line.compact()
        # the cached first key never comes after the first live interaction (what
        # `Matching._best_waiting` relies on)
        live = sorted((e[0], e[1]) for e in reference if e[3].token == e[2])
        if live:
            assert (line.first_rank, line.first_seq) <= live[0]
    assert len(line) >= sum(1 for e in reference if e[3].token == e[2])


@settings(max_examples=400)
@given(ops)
def test_free_agents_take_slots_in_one_heaps_order(steps) -> None:
    agents = [Agent(AgentConfig(f"a{i}")) for i in range(6)]
    free = FreeAgents()
    reference: list[tuple[float, float, int, Slot, int]] = []
    uid = 0
    for n, (op, key1, key2, pick) in enumerate(steps):
        slot = agents[pick % len(agents)].slots["voice"]
        if op <= 1:
            uid += 1
            # key2 mostly grows (idle since), key1 is the load
            second = float(n) if key2 else key2
            free.push(key1, second, uid, slot, slot.epoch)
            heapq.heappush(reference, (key1, second, uid, slot, slot.epoch))
        elif op == 2:
            slot.epoch += 1  # busy, paused…: its entries are stale
        else:
            while reference and reference[0][3].epoch != reference[0][4]:
                heapq.heappop(reference)
            expected = heapq.heappop(reference)[3] if reference else None
            assert free.take() is expected
        if n % 13 == 12:
            free.compact()
    rest = []
    while (taken := free.take()) is not None:
        rest.append(taken)
    live = [e for e in sorted(reference) if e[3].epoch == e[4]]
    assert rest == [e[3] for e in live]
