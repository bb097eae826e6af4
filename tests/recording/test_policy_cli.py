"""`centralita recordings policy show|set|clear` through Typer's runner on a migrated
database (each backend): the same action and checks as the administration API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from centralita.cli.main import app
from centralita.schemas import CampaignSpec, QueueSpec
from centralita.store import actions, events
from centralita.store.actions.recordings import policy_for
from centralita.store.db import Store
from centralita.store.models import RecordingPolicyLayer
from support import T0

KW = {"at": T0, "actor": "test"}


@pytest.fixture
def center(migrated_url: str) -> dict[str, Any]:
    """acme with queues Sales and Support and the campaign Spring (in Sales)."""
    store = Store.from_url(migrated_url)
    try:
        with store.transaction() as tx:
            tenant = actions.do_create_tenant(tx, slug="acme", name="Acme", **KW).id
            sales = actions.do_create_queue(tx, tenant_id=tenant, spec=QueueSpec(name="Sales"),
                                            **KW).id  # fmt: skip
            actions.do_create_queue(tx, tenant_id=tenant, spec=QueueSpec(name="Support"), **KW)
            spec = CampaignSpec(name="Spring", direction="inbound", queue="Sales")
            spring = actions.do_create_campaign(tx, tenant_id=tenant, spec=spec, **KW).id
    finally:
        store.dispose()
    return {"url": migrated_url, "tenant": tenant, "Sales": sales, "Spring": spring}


def run(center: dict[str, Any], *args: str) -> Any:
    env = {"CENTRALITA_DATABASE_URL": center["url"]}
    return CliRunner().invoke(app, ["recordings", "policy", *args], env=env)


def look(center: dict[str, Any]) -> tuple[dict[tuple[str, int], Any], list[str]]:
    """The stored layers and the kinds of the policy events so far."""
    store = Store.from_url(center["url"])
    try:
        with store.read() as session:
            layers = {
                (r.scope, r.scope_id): r.settings for r in session.query(RecordingPolicyLayer)
            }
            kinds = [e.kind for e in events.read(session, tenant_id=center["tenant"])
                     if e.kind.startswith("recording.policy")]  # fmt: skip
            return layers, kinds
    finally:
        store.dispose()


def mode_in(center: dict[str, Any], queue: str | None, campaign: str | None = None) -> str:
    store = Store.from_url(center["url"])
    try:
        with store.read() as session:
            return policy_for(
                session, tenant_id=center["tenant"], queue_id=center.get(queue or ""),
                campaign_id=center.get(campaign or ""),
            ).mode.value  # fmt: skip
    finally:
        store.dispose()


def test_set_with_options_then_a_queue_from_a_file_then_show_and_clear(
    center: dict[str, Any], tmp_path: Path
) -> None:
    done = run(center, "set", "--tenant", "acme", "--mode", "sampled", "--sample-share", "0.25",
               "--retention-days", "30", "--no-legal-hold")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "mode=sampled" in done.output
    layer = tmp_path / "sales.yaml"
    layer.write_text("mode: all\nchannels: mono\n")
    done = run(center, "set", "--tenant", "acme", "--queue", "Sales", "--file", str(layer))
    assert done.exit_code == 0, done.output

    layers, _ = look(center)
    assert layers == {
        ("tenant", 0): {"mode": "sampled", "sample_share": 0.25, "retention_days": 30,
                        "legal_hold": False},
        ("queue", center["Sales"]): {"mode": "all", "channels": "mono"},
    }  # fmt: skip
    assert (mode_in(center, "Sales"), mode_in(center, "Support")) == ("all", "sampled")

    shown = run(center, "show", "--tenant", "acme", "--json")
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    queues = {q["name"]: q for q in document["queues"]}
    assert queues["Sales"]["effective"]["channels"] == "mono"
    assert queues["Sales"]["effective"]["retention_days"] == 30
    assert queues["Support"]["settings"] is None
    text = run(center, "show", "--tenant", "acme").output
    assert "queue Sales\n  stored:    mode=all channels=mono\n" in text
    assert "campaign Spring (in queue Sales)" in text

    cleared = run(center, "clear", "--tenant", "acme", "--queue", "Sales")
    assert cleared.exit_code == 0, cleared.output
    assert cleared.output.startswith("cleared queue Sales")
    assert mode_in(center, "Sales") == "sampled"
    again = run(center, "clear", "--tenant", "acme", "--queue", "Sales")
    assert again.output.startswith("nothing to clear for queue Sales")
    assert look(center)[1] == [
        "recording.policy_set", "recording.policy_set", "recording.policy_cleared",
    ]  # fmt: skip


def test_set_changes_the_given_settings_and_keeps_the_others_unless_replace(
    center: dict[str, Any],
) -> None:
    run(center, "set", "-t", "acme", "--campaign", "Spring", "--mode", "never", "--format", "wav")
    run(center, "set", "-t", "acme", "--campaign", "Spring", "--retention-days", "400")
    assert look(center)[0] == {
        ("campaign", center["Spring"]): {"mode": "never", "format": "wav", "retention_days": 400}
    }
    assert mode_in(center, "Sales", "Spring") == "never"
    run(center, "set", "-t", "acme", "--campaign", "Spring", "--replace", "--legal-hold")
    assert look(center)[0] == {("campaign", center["Spring"]): {"legal_hold": True}}
    assert mode_in(center, "Sales", "Spring") == "all"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--queue", "Sales", "--mode", "sometimes"],
         "error: mode: 'sometimes' is not one of ['all', 'sampled', 'on_demand', 'never']"),
        (["--retention-days", "0"], "error: retention_days: a whole number of days, 1 to 36500"),
        (["--path-template", "{tenant}/{date}"], "error: path_template: must contain"),
        (["--queue", "Nope", "--mode", "all"], "error: no such queue"),
        (["--campaign", "Nope", "--mode", "all"], "error: no such campaign"),
        (["--queue", "Sales", "--campaign", "Spring", "--mode", "all"],
         "error: give --queue or --campaign, not both"),
        (["--queue", "Sales"], "error: give at least one setting"),
    ],
)  # fmt: skip
def test_a_refused_set_prints_one_error_line_exits_2_and_changes_nothing(
    center: dict[str, Any], args: list[str], says: str
) -> None:
    run(center, "set", "--tenant", "acme", "--queue", "Sales", "--mode", "on_demand")
    before = look(center)
    refused = run(center, "set", "--tenant", "acme", *args)
    assert refused.exit_code == 2
    assert refused.stderr.startswith(says), refused.stderr
    assert look(center) == before
    assert mode_in(center, "Sales") == "on_demand"


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        ("mode: [unclosed", "bad.yaml", "is not valid JSON or YAML"),
        ("- mode\n- all\n", "list.yaml", "must hold a mapping of settings"),
        ('{"colour": "red"}', "colour.json", "error: colour: not a recording setting"),
    ],
)
def test_a_bad_file_is_refused_naming_the_problem(
    center: dict[str, Any], tmp_path: Path, content: str, name: str, says: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    refused = run(center, "set", "--tenant", "acme", "--file", str(path))
    assert refused.exit_code == 2 and says in refused.stderr, refused.stderr
    assert look(center) == ({}, [])


def test_an_unknown_tenant_is_refused(center: dict[str, Any]) -> None:
    refused = run(center, "show", "--tenant", "nope")
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: no such tenant")
