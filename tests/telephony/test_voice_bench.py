"""The voice benchmark end to end, small: sipp as the carrier, the center and its media
worker, a bank of agents' PJSIP phones, 10 bridged calls and the JSON figures."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from centralita.cli.bench import app
from centralita.perf.voice import ulaw_tone
from telephony.tel_helpers import goertzel_share

KEYS = {
    "concurrent_calls",
    "calls_per_second",
    "worker_cpu_share",
    "worker_rss_mb",
    "center_cpu_share",
    "center_rss_mb",
    "failed_calls",
}


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_bench_voice_bridges_10_calls_to_agents_phones_all_at_once_and_none_fail(
    pjsua2: ModuleType, sipp: str, tmp_path: Path
) -> None:
    keep = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["voice", "--calls", "10", "--rate", "10", "--hold", "4", "--json", "--keep", str(keep)],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures.keys() >= KEYS, figures
    assert figures["failed_calls"] == 0, figures
    assert figures["successful_calls"] == 10, figures
    assert figures["bridged_by_worker"] == 10, figures  # each reached an agent's phone
    assert figures["concurrent_calls"] == 10, figures
    assert figures["worker_errors"] == 0, figures
    # no offer failed or went unanswered (each would strand a caller: one agent per call)
    assert figures["agents_not_ready"] == {}, figures
    assert figures["stations_failed"] == figures["media_timeouts"] == 0, figures
    assert 0 < figures["worker_cpu_share"] < 2, figures
    assert 0 < figures["worker_rss_mb"] < 1024, figures
    assert 0 < figures["center_cpu_share"] < 2, figures  # the center apart from the media
    assert 0 < figures["center_rss_mb"] < 1024, figures
    # the calls still bridged at the first hang-up had RTP in and out on both legs
    rtp = figures["rtp_at_first_hangup"]
    assert rtp["calls"] >= 5 and rtp["both_ways"] == rtp["calls"], figures
    # and nothing is left behind once sipp hung up: no interaction, no leg
    assert figures["left_in_core"] == figures["legs_left"] == 0, figures
    # --keep leaves the run's logs and sipp's statistics for a look afterwards
    assert {"worker.log", "phones.log", "stats.csv"} <= {p.name for p in keep.iterdir()}


def ulaw_decode(byte: int) -> int:
    """G.711 µ-law to linear (ITU-T G.711), written apart from the encoder under test."""
    byte = ~byte & 0xFF
    sign, exponent, mantissa = byte & 0x80, (byte >> 4) & 0x07, byte & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -magnitude if sign else magnitude


def test_the_stream_sipp_sends_is_a_clean_440_hz_tone_in_ulaw() -> None:
    payload = ulaw_tone(440, seconds=0.5)
    samples = [ulaw_decode(b) for b in payload]
    assert len(samples) == 4000
    assert goertzel_share(samples, 8000, 440) > 0.95
    assert goertzel_share(samples, 8000, 1000) < 0.01
    assert 7000 < max(samples) < 9000 and -9000 < min(samples) < -7000
