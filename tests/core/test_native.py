"""The compiled core (`make native`): found only for the exact sources it was built from,
and the same behaviour as the interpreted core (the core's and simulator's tests pass on
it). The build itself is real: mypyc and the C compiler, into a throw-away cache."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from centralita.core import native
from support import require

ROOT = Path(__file__).resolve().parents[2]


def test_key_changes_with_any_compiled_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    copy = tmp_path / "core"
    shutil.copytree(Path(native.__file__).parent, copy)
    monkeypatch.setattr(native, "_HERE", copy)
    before = native.source_key()
    assert native.source_key() == before  # stable
    router = copy / "router.py"
    router.write_text(router.read_text() + "\n# an edit\n")
    assert native.source_key() != before  # an edited source never meets an old build


def test_key_changes_with_the_build_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build without the profile (`CENTRALITA_NATIVE_PGO=0`) or by another recipe is
    another build: neither is taken for the other."""
    monkeypatch.delenv("CENTRALITA_NATIVE_PGO", raising=False)
    guided = native.source_key()
    monkeypatch.setenv("CENTRALITA_NATIVE_PGO", "0")
    assert native.source_key() != guided
    monkeypatch.delenv("CENTRALITA_NATIVE_PGO")
    monkeypatch.setattr(native, "RECIPE", native.RECIPE + " (changed)")
    assert native.source_key() != guided


def test_every_module_on_the_routing_path_is_compiled() -> None:
    """A new core module left out of `MODULES` would run interpreted inside the compiled
    core (and slow every call into it) without any test noticing."""
    core = Path(native.__file__).parent
    modules = {p.stem for p in core.glob("*.py")}
    left_out = {"__init__", "native", "immutable"}  # see `native.MODULES`
    assert modules - left_out == set(native.MODULES)


def test_activate_needs_a_complete_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CENTRALITA_NATIVE_DIR", str(tmp_path))
    monkeypatch.delenv("CENTRALITA_NATIVE", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    where = native.build_dir()
    (where / "centralita" / "core").mkdir(parents=True)
    path: list[str] = ["/src/centralita/core"]
    assert native.activate(path) is None  # half-written: no marker, not used
    assert path == ["/src/centralita/core"]
    (where / "complete").write_text("x")
    monkeypatch.setenv("CENTRALITA_NATIVE", "0")
    assert native.activate(path) is None  # turned off
    monkeypatch.delenv("CENTRALITA_NATIVE")
    assert native.activate(path) == where
    assert path == [str(where / "centralita" / "core"), "/src/centralita/core"]
    assert str(where) in sys.path
    monkeypatch.setattr(native, "_active", None)


@pytest.mark.slow
def test_compiled_core_passes_the_core_and_simulator_tests(tmp_path: Path):
    require(importlib.util.find_spec("mypyc") is not None, "mypyc (mypy) is not installed")
    require(shutil.which("cc") is not None or shutil.which("gcc") is not None, "no C compiler")
    env = dict(os.environ, CENTRALITA_NATIVE_DIR=str(tmp_path / "cache"))
    env.pop("CENTRALITA_NATIVE", None)
    built = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "native.py"), "build"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    # with GCC, the profile-guided build (its training run loaded the instrumented core)
    marker = next((tmp_path / "cache").glob("*/complete")).read_text()
    guided = "yes" if native._compiler_is_gcc() else "no"
    assert f"profile-guided: {guided}" in marker, marker
    assert f"({'profile-guided' if guided == 'yes' else 'without a profile'})" in built.stdout
    check = subprocess.run(
        [sys.executable, "-c", "from centralita.core import native; print(native.is_compiled())"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.stdout.strip() == "True", check.stdout + check.stderr
    tests = [
        "tests/core",
        "tests/sim/test_sim_engine.py",
        "tests/sim/test_sim_erlang.py",
        "tests/sim/test_sim_multiskill.py",
    ]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            *tests,
            "--ignore",
            "tests/core/test_native.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
    assert "centralita.core ran compiled" in run.stdout  # tests/core/conftest.py says so
