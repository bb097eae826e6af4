"""Recording policy: layers, validation, deterministic sampling, path templates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from centralita.errors import Invalid
from centralita.recording.policy import (
    Channels,
    Mode,
    RecordingPolicy,
    Start,
    as_layer,
    resolve,
    sample_draw,
    sources,
)

AT = datetime(2026, 3, 2, 13, 5, tzinfo=UTC)


def test_given_no_layers_then_every_call_is_recorded_in_stereo_from_the_answer_as_opus():
    policy = resolve()
    assert (policy.mode, policy.start, policy.channels, policy.format) == (
        Mode.ALL, Start.ANSWER, Channels.STEREO, "opus",
    )  # fmt: skip
    assert policy.records_automatically("any") and policy.retention_days == 90


def test_given_tenant_queue_and_campaign_layers_then_the_campaign_wins_then_the_queue():
    policy = resolve(
        tenant={"mode": "sampled", "sample_share": 0.3, "retention_days": 30},
        queue={"channels": "mono", "retention_days": 60},
        campaign={"retention_days": 365, "legal_hold": True},
    )
    assert policy.mode is Mode.SAMPLED and policy.sample_share == 0.3
    assert policy.channels is Channels.MONO
    assert (policy.retention_days, policy.legal_hold) == (365, True)
    assert resolve(tenant=as_layer(policy)) == policy


def test_each_value_in_force_names_the_level_it_comes_from_even_when_equal_to_the_default():
    found = sources(
        tenant={"mode": "sampled", "retention_days": 30},
        queue={"channels": "stereo", "retention_days": 60},  # stereo is also the default
        campaign={"retention_days": 365},
    )
    assert (found["mode"], found["channels"], found["retention_days"]) == (
        "tenant", "queue", "campaign",
    )  # fmt: skip
    assert found["format"] == found["legal_hold"] == "default"
    assert list(found) == [f for f in as_layer(resolve())]  # every setting, in order
    assert set(sources(None, {"mode": "never"}, None).values()) == {"default", "queue"}


@pytest.mark.parametrize(
    ("layer", "field", "reason"),
    [
        ({"mode": "sometimes"}, "mode", "choice"),
        ({"sample_share": 1.5}, "sample_share", "share"),
        ({"sample_share": True}, "sample_share", "share"),
        ({"retention_days": 0}, "retention_days", "days"),
        ({"legal_hold": "yes"}, "legal_hold", "yes_no"),
        ({"colour": "red"}, "colour", "setting"),
        ({"path_template": "{tenant}/{secret}/{interaction}"}, "path_template", "placeholder"),
        ({"path_template": "../{interaction}"}, "path_template", "relative"),
        ({"path_template": "/abs/{interaction}"}, "path_template", "relative"),
        ({"path_template": "{tenant}/{date}"}, "path_template", "interaction"),
        ({"path_template": "{tenant/{interaction}"}, "path_template", "syntax"),
        ({"path_template": 7}, "path_template", "text"),
    ],
)
def test_given_a_wrong_setting_then_it_is_refused_naming_the_field_and_why(layer, field, reason):
    with pytest.raises(Invalid) as caught:
        resolve(tenant=layer)
    assert (caught.value.fields["field"], caught.value.fields["reason"]) == (field, reason)


def test_given_a_sampled_share_then_the_same_calls_are_always_chosen_and_about_that_share():
    policy = resolve(tenant={"mode": "sampled", "sample_share": 0.25})
    ids = [f"call-{i}" for i in range(4000)]
    first = [policy.records_automatically(i, seed="acme") for i in ids]
    assert first == [policy.records_automatically(i, seed="acme") for i in ids]
    # binomial(4000, 0.25): sd 27.4; ±5 sd never flakes and catches a wrong share
    assert abs(sum(first) - 1000) < 137
    other_seed = [policy.records_automatically(i, seed="globex") for i in ids]
    assert other_seed != first
    assert 0 <= sample_draw("x", "s") < 1


@pytest.mark.parametrize(("mode", "auto", "on_demand"), [
    ("all", True, True), ("on_demand", False, True), ("never", False, False),
])  # fmt: skip
def test_given_a_mode_then_automatic_and_on_demand_recording_follow_it(mode, auto, on_demand):
    policy = resolve(tenant={"mode": mode})
    assert policy.records_automatically("c1") is auto
    assert policy.may_record_on_demand is on_demand
    never = resolve(tenant={"mode": "sampled", "sample_share": 0.0})
    assert never.records_automatically("c1") is False


def test_given_a_template_then_the_key_is_filled_with_safe_segments_and_the_extension():
    policy = RecordingPolicy()
    key = policy.storage_key(
        tenant="acme", campaign="Ventas / Norte", queue=None, started_at=AT,
        interaction_id="i-1", extension="opus",
    )  # fmt: skip
    assert key == "acme/Ventas_Norte/2026/03/02/i-1.opus"
    dated = resolve(tenant={"path_template": "{date}/{queue}/{interaction}"})
    assert (
        dated.storage_key(tenant="a", campaign=None, queue="..", started_at=AT,
                          interaction_id="i-2", leg=2)
        == "2026-03-02/_/i-2-2.wav"
    )  # fmt: skip


def test_expiry_is_the_start_plus_the_retention_days():
    assert resolve(tenant={"retention_days": 10}).expires_at(AT) == datetime(
        2026, 3, 12, 13, 5, tzinfo=UTC
    )
