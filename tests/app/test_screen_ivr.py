"""The screen pop's IVR panel data: what the IVR journaled for the interaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from centralita.app import screen
from centralita.schemas import CampaignSpec
from centralita.store import actions, events
from centralita.store.db import Store
from support import T0

KW: dict[str, Any] = {"at": T0, "actor": "test"}


@pytest.fixture
def tenant(store: Store) -> int:
    with store.transaction() as tx:
        tenant = actions.do_create_tenant(tx, slug="acme", name="Acme", **KW).id
        actions.do_create_campaign(
            tx, tenant_id=tenant, spec=CampaignSpec(name="Ventas", direction="inbound"), **KW
        )
        return tenant


def call(store: Store, tenant: int, iid: str, *visited: str, **ended: Any) -> None:
    """An interaction; with `ended`, the IVR ran first: `visited` nodes, then `ivr.ended`
    with `ended` in its payload (as `VoiceIvr._journal` writes them)."""
    with store.transaction() as tx:
        at = T0
        for node in visited:
            events.append(
                tx, "ivr.node_visited", at, tenant_id=tenant, interaction_id=iid,
                flow="banco", version=2, node=node, node_type="menu",
            )  # fmt: skip
            at += timedelta(seconds=5)
        if ended:
            events.append(
                tx, "ivr.ended", at, tenant_id=tenant, interaction_id=iid, flow="banco",
                version=2, node=visited[-1], outcome="queued", **ended,
            )  # fmt: skip
        actions.do_record_interaction(
            tx, interaction_id=iid, tenant_id=tenant, channel="voice", direction="inbound",
            ani="+573001112233", dnis="6015550100", **KW,
        )  # fmt: skip


def pop(store: Store, tenant: int, iid: str) -> screen.ScreenPop:
    with store.read() as session:
        return screen.screen_pop(session, [tenant], iid)


def test_a_caller_who_verified_pops_verified_with_the_flow_path_and_attributes(
    store: Store, tenant: int
) -> None:
    attributes = {"identity_verified": "yes", "source": "tv-ad"}
    call(store, tenant, "c-yes", "welcome", "verify_document", "agent", attributes=attributes)

    ivr = pop(store, tenant, "c-yes").ivr

    assert ivr is not None
    assert ivr.verified is True
    assert (ivr.flow, ivr.version, ivr.outcome, ivr.node) == ("banco", 2, "queued", "agent")
    assert ivr.path == ["welcome", "verify_document", "agent"]
    assert ivr.attributes == {"source": "tv-ad"}
    assert (ivr.language, ivr.segment) == (None, None)


def test_a_caller_who_failed_verification_pops_not_verified(store: Store, tenant: int) -> None:
    call(
        store, tenant, "c-no", "verify_document", "agent",
        attributes={"identity_verified": "no"}, language="en", segment="vip",
    )  # fmt: skip

    ivr = pop(store, tenant, "c-no").ivr

    assert ivr is not None
    assert ivr.verified is False
    assert ivr.attributes == {}
    assert (ivr.language, ivr.segment) == ("en", "vip")


def test_a_flow_without_verification_pops_not_asked_and_a_long_path_is_shortened(
    store: Store, tenant: int
) -> None:
    nodes = [f"n{i}" for i in range(12)]
    call(store, tenant, "c-menu", *nodes, attributes={})

    ivr = pop(store, tenant, "c-menu").ivr

    assert ivr is not None
    assert ivr.verified is None
    assert ivr.path == ["n0", "n1", "n2", "…", "n8", "n9", "n10", "n11"]


def test_a_call_that_did_not_go_through_the_ivr_pops_no_ivr(store: Store, tenant: int) -> None:
    call(store, tenant, "c-direct")
    with store.transaction() as tx:  # another tenant's IVR event never shows
        other = actions.do_create_tenant(tx, slug="other", name="Other", **KW).id
        events.append(
            tx, "ivr.ended", T0, tenant_id=other, interaction_id="c-direct", flow="x",
            version=1, node="q", outcome="queued", attributes={"identity_verified": "yes"},
        )  # fmt: skip

    assert pop(store, tenant, "c-direct").ivr is None
