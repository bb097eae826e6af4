"""The voice benchmark end to end, small: sipp, a worker engine, the JSON figures."""

from __future__ import annotations

import json
from types import ModuleType

import pytest
from typer.testing import CliRunner

from centralita.cli.bench import app

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

KEYS = {
    "concurrent_calls",
    "calls_per_second",
    "worker_cpu_share",
    "worker_rss_mb",
    "failed_calls",
}


def test_bench_voice_places_20_calls_all_up_at_once_and_none_fail(
    pjsua2: ModuleType, sipp: str
) -> None:
    result = CliRunner().invoke(
        app, ["voice", "--calls", "20", "--rate", "20", "--hold", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures.keys() >= KEYS, figures
    assert figures["failed_calls"] == 0, figures
    assert figures["successful_calls"] == 20, figures
    assert figures["answered_by_worker"] == figures["ended_in_worker"] == 20, figures
    assert figures["concurrent_calls"] == 20, figures
    assert figures["worker_errors"] == 0, figures
    assert 0 < figures["worker_cpu_share"] < 2, figures
    assert 0 < figures["worker_rss_mb"] < 1024, figures
    rtp = figures["rtp_at_first_hangup"]  # the calls still up had RTP in and out
    assert rtp["calls"] >= 10 and rtp["both_ways"] == rtp["calls"], figures
