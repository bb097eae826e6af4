"""The `centralita` command as a user runs it: a real subprocess in a fresh directory."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from centralita import __version__
from centralita.store import migrate
from support import free_port, require, wait_for

CENTRALITA = shutil.which("centralita") or str(Path(os.sys.executable).with_name("centralita"))


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CENTRALITA_")}
    return subprocess.run(
        [CENTRALITA, *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_version_and_help(tmp_path):
    assert run("version", cwd=tmp_path).stdout.strip() == __version__
    help_text = run("--help", cwd=tmp_path).stdout
    for command in ("serve", "demo", "db", "version", "config"):
        assert command in help_text


def test_db_upgrade_creates_the_default_sqlite_file_under_var(tmp_path):
    done = run("db", "upgrade", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var" / "centralita.db").is_file()
    current = run("db", "current", cwd=tmp_path).stdout
    head = migrate.head()
    assert current.startswith(f"database: {head}") and f"newest: {head}" in current


def test_db_upgrade_on_postgresql_through_the_environment(tmp_path, postgres_url):
    env = {"CENTRALITA_DATABASE_URL": postgres_url}
    done = run("db", "upgrade", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert run("db", "current", cwd=tmp_path, env=env).stdout.startswith(
        f"database: {migrate.head()}"
    )
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize(
    ("env", "toml", "expected"),
    [
        (
            {"CENTRALITA_PROT": "80"},
            None,
            "error: unknown setting in environment variable CENTRALITA_PROT",
        ),
        (
            {"CENTRALITA_PORT": "eighty"},
            None,
            "error: bad value for environment variable CENTRALITA_PORT: Input should be a valid "
            "integer",
        ),
        ({}, 'port = 8080\ncolour = "red"\n', "error: unknown setting in "),
        ({}, "port = 'x'\n", "key 'port'"),
        ({"CENTRALITA_TIMEZONE": "Mars/Olympus"}, None, "unknown time zone 'Mars/Olympus'"),
        (
            {"CENTRALITA_DATABASE_URL": "postgresql+psycopg://nobody:sekret@127.0.0.1:9/x"},
            None,
            "error: cannot reach the database postgresql+psycopg://nobody:***@127.0.0.1:9/x",
        ),
        ({"CENTRALITA_DATABASE_URL": "mysql://x@y/z"}, None, "error: database_url uses 'mysql'"),
    ],
    ids=[
        "unknown-env-key",
        "wrong-type",
        "unknown-file-key",
        "wrong-type-in-file",
        "bad-timezone",
        "unreachable-database",
        "unsupported-database",
    ],
)
def test_given_bad_configuration_then_serve_stops_with_one_clear_line(
    tmp_path, env, toml, expected
):
    if toml is not None:
        (tmp_path / "centralita.toml").write_text(toml)
        env = {**env, "CENTRALITA_CONFIG": str(tmp_path / "centralita.toml")}
    done = run("serve", cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "sekret" not in done.stderr + done.stdout


def test_missing_config_file_is_named(tmp_path):
    done = run("serve", cwd=tmp_path, env={"CENTRALITA_CONFIG": "nope.toml"})
    assert done.stderr.strip() == "error: configuration file nope.toml does not exist"


def test_config_prints_settings_with_secrets_masked(tmp_path):
    done = run(
        "config",
        cwd=tmp_path,
        env={"CENTRALITA_SECRET_KEY": "very-secret-value", "CENTRALITA_PORT": "9001"},
    )
    assert "port = 9001" in done.stdout
    assert "secret_key = **********" in done.stdout
    assert "very-secret-value" not in done.stdout


def test_serve_refuses_a_database_that_was_not_upgraded(tmp_path):
    done = run("serve", cwd=tmp_path)
    assert done.returncode == 2
    assert "run `centralita db upgrade`" in done.stderr


@pytest.mark.slow
def test_demo_answers_on_health_within_a_minute_on_sqlite(tmp_path):
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CENTRALITA_")}
    demo = subprocess.Popen(
        [CENTRALITA, "demo", "--port", str(port)],
        cwd=tmp_path,
        env=clean,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def healthy() -> dict[str, str] | None:
            assert demo.poll() is None, demo.stdout.read() if demo.stdout else ""
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                return json.load(r)

        assert wait_for(healthy, timeout=60, what="/health")["status"] == "ok"
    finally:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=20)
    assert "Demo users (password 'centralita-demo')" in output
    assert (tmp_path / "var" / "centralita.db").is_file()
    again = run("db", "current", cwd=tmp_path)
    assert again.stdout.startswith(f"database: {migrate.head()}")


def test_serve_refuses_an_unknown_media_engine_naming_the_choices(tmp_path):
    done = run("serve", "--sip-port", "5090", "--media", "elsewhere", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: --media must be in-process, worker, unix:PATH or tcp:HOST:PORT, not 'elsewhere'"
    )


@pytest.mark.slow
def test_serve_with_sip_runs_the_media_worker_as_its_child_and_stops_it(tmp_path):
    """`serve --sip-port` starts `centralita media` (its own process, its own session) and
    stops it on Ctrl+C: no worker is left behind."""
    require(importlib.util.find_spec("pjsua2") is not None, "pjsua2 (scripts/pjsua2/install.sh)")
    assert run("db", "upgrade", cwd=tmp_path).returncode == 0
    port, sip_port = free_port(), free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CENTRALITA_")}
    serve = subprocess.Popen(
        [CENTRALITA, "serve", "--port", str(port), "--sip-port", str(sip_port)],
        cwd=tmp_path,
        env=clean,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def media_workers() -> list[int]:
        children = Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text().split()
        return [
            int(pid)
            for pid in children
            if b"media" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        ]

    try:

        def healthy() -> dict[str, str] | None:
            assert serve.poll() is None, serve.stdout.read() if serve.stdout else ""
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                return json.load(r)

        assert wait_for(healthy, timeout=60, what="/health")["status"] == "ok"
        [worker] = wait_for(media_workers, timeout=10, what="the media worker")
        assert os.getsid(worker) == worker != os.getsid(serve.pid)
        argv = Path(f"/proc/{worker}/cmdline").read_bytes().decode().split("\0")
        assert argv[argv.index("--clock-rate") + 1] == "8000"  # media_clock_rate's default
    finally:
        serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=40)
    assert serve.returncode == 0, output
    assert "media engine: worker, bridge at 8000 Hz" in output
    assert (
        not Path(f"/proc/{worker}").exists()
        or "zombie" in Path(f"/proc/{worker}/status").read_text()
    )
