"""The rebuild's own COPY writer and prefetching reader, on awkward values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from centralita.reports import projection
from centralita.store.db import Store
from centralita.store.models import ReportAgentPause, ReportCall

AWKWARD = "tab\there new\nline back\\slash \\N cr\rñandú"  # < 50 characters


def test_rows_written_by_copy_read_back_exactly_what_was_written(migrated_url):
    store = Store.from_url(migrated_url)
    at = datetime(2026, 10, 1, 5, 0, tzinfo=UTC)
    call = {
        "interaction_id": "i-1",
        "tenant_id": 1,
        "arrived_at": at,
        "answered_at": None,
        "ended_at": at,
        "outcome": "abandoned",
        "first_queue_id": 3,
        "last_queue_id": None,
        "agent_id": None,
        "wait_seconds": 12.345678901,
        "talk_seconds": 0.0,
        "hold_seconds": 1e-05,
        "wrap_seconds": 0,
        "transfers": 2.0,  # the projector counts in floats
        "overflows": 0,
        "legs": [{"queue_id": 3, "outcome": AWKWARD, "entered_at": 1759294800.5}],
    }
    pause = {"tenant_id": 1, "agent_id": 7, "slot_start": at, "reason": AWKWARD, "seconds": 30.5}
    try:
        with store.transaction() as tx:
            projection._bulk_insert(tx.session, ReportCall, [call])
            projection._bulk_insert(tx.session, ReportAgentPause, [pause])
        with store.read() as session:
            stored = session.scalars(select(ReportCall)).one()
            stored_pause = session.scalars(select(ReportAgentPause)).one()
        assert stored.legs == call["legs"]
        assert stored.answered_at is None and stored.last_queue_id is None
        assert stored.arrived_at == at and stored.transfers == 2
        assert stored.wait_seconds == pytest.approx(12.345678901, abs=1e-9)
        assert stored.hold_seconds == pytest.approx(1e-05)
        assert stored_pause.reason == AWKWARD
        assert stored_pause.seconds == 30.5
    finally:
        store.dispose()


def test_prefetched_hands_over_every_batch_in_order():
    batches = [[(i, j) for j in range(3)] for i in range(50)]
    assert list(projection._prefetched(iter(batches), ahead=2)) == batches


def test_an_error_while_prefetching_is_raised_to_the_reader():
    def failing():
        yield [1]
        raise RuntimeError("server went away")

    got = projection._prefetched(failing())
    assert next(got) == [1]
    with pytest.raises(RuntimeError, match="server went away"):
        next(got)


def test_a_reader_that_stops_early_stops_the_prefetching_thread():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield [n]
            n += 1

    got = projection._prefetched(endless(), ahead=1)
    assert next(got) == [0]
    got.close()  # joins the thread: it must notice and stop, not block on a full queue
    stopped_at = len(produced)
    assert stopped_at <= 4
