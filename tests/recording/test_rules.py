"""Tags set by rules: the campaign's when the recording is finished, the disposition's
when the agent wraps the interaction up (before or after the file is made), `vip` for a
contact in the VIP segment."""

from __future__ import annotations

from sqlalchemy import select

from centralita.app.recording_search import Search, search
from centralita.recording.policy import resolve
from centralita.recording.rules import rule_tags
from centralita.schemas import CampaignSpec, ContactSpec
from centralita.store import actions, events
from centralita.store.actions import recordings as rec
from centralita.store.actions.desktop import do_submit_wrapup
from centralita.store.db import Store
from centralita.store.models import Disposition, RecordingTag
from support import T0

KW = {"at": T0, "actor": "test"}


def test_rule_tags_are_lower_case_unique_and_vip_only_for_the_vip_segment() -> None:
    assert rule_tags(campaign="Ventas", dispositions=["SALE", "sale", ""], segment=" VIP ") == [
        "campaign:ventas",
        "disposition:sale",
        "vip",
    ]
    assert rule_tags(campaign=None, dispositions=[], segment="gold") == []
    assert rule_tags(campaign="x" * 80) == ["campaign:" + "x" * 41]  # 50 characters


def setup(store: Store, segment: str | None, *, complete: bool = True) -> tuple[int, str, int]:
    """A tenant, a campaign with a disposition, a contact, an interaction of it and a
    finished recording of that; (tenant, interaction, recording)."""
    with store.transaction() as tx:
        tenant = actions.do_create_tenant(tx, slug="acme", name="Acme", **KW).id
        campaign = actions.do_create_campaign(
            tx, tenant_id=tenant, spec=CampaignSpec(name="Ventas", direction="inbound"), **KW
        ).id
        actions.do_create_disposition(
            tx, tenant_id=tenant, code="sale", label_en="Sale", label_es="Venta",
            campaign_id=campaign, **KW,
        )  # fmt: skip
        contact = actions.do_create_contact(
            tx, tenant_id=tenant, spec=ContactSpec(name="María", segment=segment), **KW
        ).id
        interaction = "call-1"
        actions.do_record_interaction(
            tx, interaction_id=interaction, tenant_id=tenant, channel="voice",
            direction="inbound", campaign_id=campaign, contact_id=contact, **KW,
        )  # fmt: skip
        row = rec.do_start_recording(
            tx, tenant_id=tenant, interaction_id=interaction, started_at=T0, policy=resolve(),
            contact_id=contact, campaign_id=campaign, **KW,
        )  # fmt: skip
        if complete:
            rec.do_complete_recording(
                tx, recording_id=row.id, key="acme/call-1.wav", duration=5.0, size=1000,
                sha256="0" * 64, paused=[], at=T0,
            )  # fmt: skip
        return tenant, interaction, row.id


def tags(store: Store, recording_id: int) -> dict[str, str]:
    with store.read() as session:
        found = session.scalars(select(RecordingTag).filter_by(recording_id=recording_id))
        return {t.tag: t.source for t in found}


def test_given_a_vip_contact_and_a_wrap_up_then_the_recording_gets_campaign_vip_and_disposition(
    store: Store,
) -> None:
    tenant, interaction, recording = setup(store, segment="VIP")
    with store.transaction() as tx:  # what the recorder runs when the file is stored
        added = rec.do_tag_by_rules(tx, interaction_id=interaction, recording_id=recording, at=T0)
    assert added == ["campaign:ventas", "vip"]
    assert tags(store, recording) == {"campaign:ventas": "rule", "vip": "rule"}

    with store.transaction() as tx:  # the agent saves the disposition (the desktop's action)
        agent = actions.do_create_user(
            tx, tenant_id=tenant, username="ana", display_name="Ana", role="agent",
            password=None, **KW,
        ).id  # fmt: skip
        do_submit_wrapup(
            tx, interaction_id=interaction, agent_id=agent, disposition_code="sale", notes="",
            data={}, **KW,
        )  # fmt: skip
    assert tags(store, recording) == {
        "campaign:ventas": "rule",
        "vip": "rule",
        "disposition:sale": "rule",
    }
    with store.transaction() as tx:  # again: nothing twice
        assert rec.do_tag_by_rules(tx, interaction_id=interaction, at=T0) == []
    with store.read() as session:
        logged = [e.payload for e in events.read(session) if e.kind == "recording.tagged"]
        found = search(session, [tenant], Search(T0, T0.replace(hour=23), tags=("vip",
                       "disposition:sale")))  # fmt: skip
    assert sorted(p["tag"] for p in logged) == ["campaign:ventas", "disposition:sale", "vip"]
    assert {p["source"] for p in logged} == {"rule"}
    assert [r["id"] for r in found.rows] == [recording]


def test_given_a_wrap_up_while_the_call_is_still_recorded_then_its_recording_is_tagged_too(
    store: Store,
) -> None:
    _tenant, interaction, recording = setup(store, segment="regular", complete=False)
    with store.transaction() as tx:
        actions.do_record_wrapup(
            tx, interaction_id=interaction, agent_id=None, disposition_id=None, notes=None, **KW
        )  # a wrap-up without a disposition adds no disposition tag
    assert tags(store, recording) == {"campaign:ventas": "rule"}  # not vip: "regular"
    with store.read() as session:
        sale = session.scalars(select(Disposition.id)).one()
    with store.transaction() as tx:
        actions.do_record_wrapup(
            tx, interaction_id=interaction, agent_id=None, disposition_id=sale, notes=None, **KW
        )
    assert tags(store, recording) == {"campaign:ventas": "rule", "disposition:sale": "rule"}
    with store.transaction() as tx:  # the file is made later: nothing more, nothing twice
        rec.do_complete_recording(
            tx, recording_id=recording, key="acme/call-1.wav", duration=5.0, size=1000,
            sha256="0" * 64, paused=[], at=T0,
        )  # fmt: skip
        assert (
            rec.do_tag_by_rules(tx, interaction_id=interaction, recording_id=recording, at=T0) == []
        )
    assert tags(store, recording) == {"campaign:ventas": "rule", "disposition:sale": "rule"}
