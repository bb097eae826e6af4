"""The demo's simulated history (`centralita.demo_history`): past days of the demo's own
queues and agents, busier on weekdays and at mid-morning, with the last week's wrap-ups,
written once."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from centralita.app.history import day_actor
from centralita.demo import DEMO_USERS
from centralita.demo_history import has_history, seed_demo_history
from centralita.store.models import Event, Interaction, Queue, User, WrapUp

TZ = "America/Bogota"
TODAY = date(2026, 3, 9)  # a Monday: the history is the week before


def test_given_the_demo_when_history_is_seeded_then_a_past_week_of_its_queues_and_agents(
    demo_store,
):
    assert not has_history(demo_store)
    with demo_store.read() as session:
        users_before = session.scalar(select(func.count()).select_from(User))
    history = seed_demo_history(demo_store, timezone=TZ, days=7, today=TODAY)
    assert history is not None and has_history(demo_store)
    assert [d.day for d in history.days] == [TODAY - timedelta(days=7 - k) for k in range(7)]
    with demo_store.read() as session:
        assert session.scalar(select(func.count()).select_from(User)) == users_before
        rows = list(session.scalars(select(Interaction)))
        queue_names = dict(session.execute(select(Queue.id, Queue.name)).all())
        agents = {
            e.agent_id
            for e in session.scalars(select(Event).where(Event.kind == "acd.interaction_answered"))
        }
        last = session.scalar(select(func.max(Event.at)).where(Event.actor.like("simulator:%")))
        actors = set(session.scalars(select(Event.actor).where(Event.actor.like("simulator:%"))))
    assert len(rows) == history.interactions > 500
    assert actors == {day_actor(d.day) for d in history.days}
    midnight = datetime.combine(TODAY, datetime.min.time(), tzinfo=ZoneInfo(TZ))
    assert last is not None and last < midnight  # nothing in today's live figures
    # the demo's own rows: its queues and every demo agent answered calls
    assert {queue_names[r.queue_id] for r in rows} >= {"Ventas", "Soporte", "Cobranzas"}
    with demo_store.read() as session:
        ids = dict(session.execute(select(User.username, User.id)).all())
    assert agents == {ids[u.username] for u in DEMO_USERS if u.role == "agent"}
    assert all(r.campaign_id is not None and r.dnis for r in rows)
    assert 10 <= sum(1 for r in rows if r.contact_id is not None) < 100  # known callers
    # weekdays busier than weekends; mid-morning busier than the opening half hour
    per_day = Counter(r.arrived_at.astimezone(ZoneInfo(TZ)).date() for r in rows)
    weekdays = [per_day[d.day] for d in history.days if d.day.weekday() < 5]
    weekend = [per_day[d.day] for d in history.days if d.day.weekday() >= 5]
    assert min(weekdays) > 2 * max(weekend) > 0
    hours = Counter(r.arrived_at.astimezone(ZoneInfo(TZ)).hour for r in rows)
    assert hours[10] > 1.5 * hours[8] and hours[15] > hours[17]
    # every answered call of the last week has its agent's wrap-up, with a disposition
    with demo_store.read() as session:
        wrapups = list(session.scalars(select(WrapUp)))
    answered = sum(q.answered for d in history.days for q in d.run.measures.queues.values())
    assert len(wrapups) == answered and all(w.disposition_id for w in wrapups)
    assert len({w.interaction_id for w in wrapups}) == answered
    # the first set-up only: a second call writes nothing
    with demo_store.read() as session:
        count = session.scalar(select(func.count()).select_from(Event))
    assert seed_demo_history(demo_store, timezone=TZ, days=7, today=TODAY) is None
    with demo_store.read() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == count
