"""`centralita ivr check` and `centralita ivr try` as a user runs them: `try` in real
subprocesses with answers typed on stdin and HTTP nodes against a real server on
127.0.0.1; `check` in process through the same Typer app (and once installed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from centralita.cli import ivr
from support import free_port, require, wait_for

EXAMPLES = Path(__file__).parents[2] / "examples" / "ivr"
UTILITY = str(EXAMPLES / "utility-es.yaml")
CARDS = str(EXAMPLES / "card-en.yaml")
CENTRALITA = str(Path(sys.executable).with_name("centralita"))
MONDAY_10AM = "2026-11-23T10:00-05:00"
SUNDAY_10AM = "2026-11-22T10:00-05:00"


def check(*files: str):
    """`centralita ivr check` in process (the same Typer app; fast)."""
    result = CliRunner().invoke(ivr.app, ["check", *files])
    return result.exit_code, result.stdout, result.stderr


def centralita(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CENTRALITA_")}
    return subprocess.run(
        [CENTRALITA, *args],
        input=stdin,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def try_utility(stdin: str, *extra: str, at: str = MONDAY_10AM) -> subprocess.CompletedProcess[str]:
    return centralita(
        "ivr", "try", UTILITY, "--caller", "+573001234567", "--dnis", "6015550100",
        "--at", at, *extra, stdin=stdin,
    )  # fmt: skip


@pytest.mark.slow
def test_check_accepts_the_example_flows_from_the_installed_command():
    result = centralita("ivr", "check", UTILITY, CARDS)
    assert result.returncode == 0, result.stderr
    assert f"ok: {UTILITY}: flow utility-es version 1" in result.stdout
    assert f"ok: {CARDS}: flow card-en version 1" in result.stdout


def test_check_names_file_node_and_field_of_every_problem(tmp_path):
    broken = tmp_path / "broken.yaml"
    text = Path(UTILITY).read_text(encoding="utf-8")
    text = text.replace(
        "type: hangup\n    prompt: {ref: goodbye}", "type: hangup\n    prompt: {ref: adios}"
    )
    text = text.replace("type: queue\n    queue: payments", "type: queue\n    queue: ''")
    broken.write_text(text, encoding="utf-8")
    status, out, err = check(str(broken), UTILITY)
    assert status == 2
    assert err.splitlines() == [
        f"error: {broken}: node goodbye: prompt.ref: no prompt named 'adios' in prompts (goodbye)",
        f"error: {broken}: node payments_queue: queue: required: the queue's id",
    ]
    assert f"ok: {UTILITY}" in out


def test_check_reports_graph_problems_once_the_nodes_are_well_formed(tmp_path):
    broken = tmp_path / "broken.yaml"
    text = Path(UTILITY).read_text(encoding="utf-8")
    broken.write_text(text.replace("next: balance_say", "next: balance_sya"), encoding="utf-8")
    status, _, err = check(str(broken))
    assert status == 2
    assert err.splitlines() == [
        f"error: {broken}: node balance_lookup: next: goes to 'balance_sya', "
        "which is no node of this flow"
    ]


def test_check_reports_unreachable_nodes_and_missing_prompt_files(tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "flow: f\nversion: 2\nstart: hello\nnodes:\n"
        "  hello: {type: play, prompt: {file: hello.wav}, next: bye}\n"
        "  bye: {type: hangup}\n"
        "  lost: {type: hangup}\n",
        encoding="utf-8",
    )
    status, _, err = check(str(flow))
    assert status == 2
    assert f"{flow}: node hello: prompt.file: prompt file 'hello.wav' does not exist" in err
    (tmp_path / "hello.wav").write_bytes(b"RIFF")
    _, _, err = check(str(flow))
    assert err.strip() == (
        f"error: {flow}: node lost: unreachable: no path leads here from start ('hello')"
    )


def test_check_refuses_unreadable_and_malformed_files(tmp_path):
    status, _, err = check(str(tmp_path / "missing.yaml"))
    assert status == 2
    assert "cannot read" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("flow: [unclosed\n", encoding="utf-8")
    assert "not valid YAML" in check(str(bad))[2]


@pytest.mark.slow
def test_try_reads_the_balance_from_the_http_service(billing_service):
    base, requests = billing_service
    result = try_utility("1\n12345674#\n\n", "--var", f"billing_api={base}")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[play] Bienvenido a Energía Andina." in out
    assert "[prompt] Pulse 1 para conocer su saldo" in out
    assert f"[http] GET {base}/accounts/12345674/balance -> 200" in out
    assert (
        "[play] Su saldo es de mil doscientos treinta y cuatro pesos con cincuenta centavos, "
        "con fecha límite de pago el 1 de diciembre de 2026." in out
    )
    assert "[play] Gracias por llamar. Hasta pronto." in out
    assert out.rstrip().endswith("-- outcome: self_served")
    assert requests == ["/accounts/12345674/balance"]


@pytest.mark.slow
def test_try_takes_the_fallback_when_the_service_is_down():
    down = f"http://127.0.0.1:{free_port()}"
    result = try_utility("1\n12345674#\n", "--var", f"billing_api={down}")
    assert result.returncode == 0, result.stderr
    assert "-> failed" in result.stdout
    assert "[play] En este momento no podemos consultar su saldo." in result.stdout
    assert "[queue] customer-service" in result.stdout
    assert result.stdout.rstrip().endswith("-- outcome: queued")


@pytest.mark.slow
def test_try_unknown_account_answered_404_takes_the_fallback(billing_service):
    base, _ = billing_service
    result = try_utility("1\n00000000#\n", "--var", f"billing_api={base}")
    assert "-> 404" in result.stdout
    assert "no podemos consultar su saldo" in result.stdout


@pytest.mark.slow
def test_try_a_caller_who_says_uno_reaches_the_same_branch(billing_service):
    base, _ = billing_service
    result = try_utility("uno\n", "--input", "voice", "--trace", "--var", f"billing_api={base}")
    assert "[prompt] Diga uno para conocer su saldo" in result.stdout
    assert "or say: uno, saldo" in result.stdout
    assert "   . account (collect)" in result.stdout


@pytest.mark.slow
def test_try_after_hours_plays_the_closed_branch():
    result = try_utility("", at=SUNDAY_10AM)
    assert "[play] Nuestro horario es de lunes a viernes" in result.stdout
    assert "[hangup]" in result.stdout
    assert result.stdout.rstrip().endswith("-- outcome: rejected")


@pytest.mark.slow
def test_try_hanging_up_in_the_menu_is_an_ivr_abandon():
    result = try_utility("")  # end of input at the first question
    assert "-- IVR ended at node main_menu: abandoned_ivr" in result.stdout
    result = try_utility("2\n/hangup\n")
    assert "-- IVR ended at node payments_menu: abandoned_ivr" in result.stdout


@pytest.mark.slow
def test_try_the_english_flow_with_verification_and_contact_fields(billing_service):
    base, _ = billing_service
    result = centralita(
        "ivr", "try", CARDS, "--caller", "+12125550100", "--dnis", "18005550199",
        "--at", "2026-11-23T10:00-05:00", "--contact", "zip=10001", "--var", f"cards_api={base}",
        stdin="1\n4111111111111111\nno\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        "[play] Your balance is two hundred fifty dollars and seventy-five cents. Your minimum "
        "payment of twenty-five dollars is due on\n[say] December 15, 2026\n" in result.stdout
    )
    assert "[play] Thank you for calling. Goodbye." in result.stdout
    assert result.stdout.rstrip().endswith("-- outcome: self_served")

    lost = centralita(
        "ivr", "try", CARDS, "--at", "2026-11-23T10:00-05:00", "--contact", "zip=10001",
        stdin="2\n10001\n",
    )  # fmt: skip
    assert "[set] identity_verified=yes" in lost.stdout
    assert (
        "[queue] fraud: language en; priority 9; skills fraud:2; "
        "attributes identity_verified=yes, reason=lost-card" in lost.stdout
    )


@pytest.mark.slow
def test_try_refuses_a_broken_flow_and_bad_options(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "flow: x\nversion: 1\nstart: a\nnodes: {a: {type: dance}}\n", encoding="utf-8"
    )
    result = centralita("ivr", "try", str(broken))
    assert result.returncode == 2
    assert f"error: {broken}: node a: type: unknown node type 'dance'" in result.stderr
    result = centralita("ivr", "try", UTILITY, "--at", "2026-11-23T10:00")
    assert result.returncode == 2
    assert "UTC offset" in result.stderr


def test_check_warns_about_variables_nothing_sets(tmp_path):
    typo = tmp_path / "typo.yaml"
    text = Path(UTILITY).read_text(encoding="utf-8")
    typo.write_text(text.replace("{balance:amount}, con", "{balanse:amount}, con"), "utf-8")
    status, out, err = check(str(typo))
    assert status == 0
    assert f"ok: {typo}" in out
    assert err.startswith(
        f"warning: {typo}: node balance_say: prompt.es: variable 'balanse' is never set"
    )
    assert check(UTILITY)[2] == ""


@pytest.mark.slow
def test_try_in_a_real_terminal(tmp_path, billing_service):
    """A tester at a terminal (tmux gives the command a real TTY) types answers."""
    require(shutil.which("tmux") is not None, "tmux is not installed")
    base, _ = billing_service
    socket = f"centralita-ivr-{os.getpid()}"
    command = (
        f"{CENTRALITA} ivr try {UTILITY} --dnis 6015550100 --at {MONDAY_10AM} "
        f"--var billing_api={base}; sleep 30"
    )

    def tmux(*args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, check=True, timeout=10
        )
        return done.stdout

    tmux("new-session", "-d", "-x", "200", "-y", "50", command)
    try:

        def screen() -> str:
            return tmux("capture-pane", "-p", "-J", "-S", "-100")

        wait_for(lambda: "Pulse 1 para conocer su saldo" in screen(), timeout=30, what="menu")
        tmux("send-keys", "1", "Enter")
        wait_for(lambda: "Digite su número de cuenta" in screen(), timeout=10, what="collect")
        tmux("send-keys", "12345674#", "Enter")
        wait_for(lambda: "-> 200" in screen(), timeout=10, what="balance")
        tmux("send-keys", "0", "Enter")
        text = wait_for(lambda: "-- outcome:" in screen() and screen(), timeout=10, what="end")
        assert "mil doscientos treinta y cuatro pesos con cincuenta centavos" in text
        assert "[queue] customer-service" in text
        assert "-- outcome: queued" in text
    finally:
        tmux("kill-server")


def test_prompts_are_synthesised_ahead_of_calls_once(tmp_path):
    require(shutil.which("espeak-ng") is not None, "espeak-ng is not installed")
    cache = tmp_path / "prompts"
    first = CliRunner().invoke(ivr.app, ["prompts", CARDS, "--cache", str(cache)])
    assert first.exit_code == 0, first.stderr
    assert "(15 synthesised, 0 cached); 1 with variables" in first.stdout
    assert len(list(cache.rglob("*.wav"))) == 15
    again = CliRunner().invoke(ivr.app, ["prompts", CARDS, "--cache", str(cache)])
    assert "(0 synthesised, 15 cached)" in again.stdout


def test_check_validates_a_shared_calendars_file(tmp_path):
    calendars = tmp_path / "calendars.yaml"
    calendars.write_text(
        'calendars:\n  bogota: {timezone: America/Bogota, hours: {mon-fri: "07:00-19:00"}}\n',
        encoding="utf-8",
    )
    status, out, _ = check(str(calendars))
    assert (status, out.strip()) == (0, f"ok: {calendars}: calendars bogota")
    calendars.write_text("calendars:\n  bogota: {timezone: UTC, hours: {mon: 9-5}}\n", "utf-8")
    status, _, err = check(str(calendars))
    assert status == 2
    assert f"{calendars}: flow: calendars.bogota.hours.mon: bad span '9-5'" in err
