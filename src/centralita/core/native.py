"""The routing core compiled with mypyc, kept outside the source tree.

The core is plain, fully typed Python; mypyc (part of mypy) compiles the very same
modules to C extensions (on the routing benchmark, about 5.8 times the decisions a
second of the interpreted core). The C is compiled with the modules' symbols hidden
(calls inside the core are direct and may be inlined, instead of going through the
dynamic linker's table) and, with GCC, guided by a profile: a first, instrumented build
replays the routing benchmark's world (`centralita.perf.routing.replay`), and the second
build lays the code out by what ran (hot paths together, error paths apart; code that
never ran is optimised as usual). `CENTRALITA_NATIVE_PGO=0` builds without the profile.

The compiled modules live in a cache directory keyed by the exact bytes of the sources,
the interpreter and the build's recipe, never next to the `.py` files, so an edited
source can never be shadowed by a stale build: any change to a compiled module's source
means a different key, and the core runs interpreted until `make native` builds it
again.

    make native                          # scripts/native.py build
    .venv/bin/python scripts/native.py status

Importing this module (`centralita.core` does it first) calls `activate`: when a
complete build for these sources exists, its directory goes first on the package's
`__path__`. `CENTRALITA_NATIVE=0`
turns it off; `CENTRALITA_NATIVE_DIR` moves the cache (default
`$XDG_CACHE_HOME/centralita/native`, else `~/.cache/centralita/native`).

This module holds paths and a build step, no routing; it is never compiled itself.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import MutableSequence
from pathlib import Path

#: Modules of `centralita.core` compiled by mypyc. Not compiled: `__init__` and this
#: module (they find the build), `immutable` (mypyc cannot compile a
#: `dataclass_transform` decorator) and the `ivr` subpackage (not on the routing path).
MODULES = (
    "agents",
    "commands",
    "config",
    "errors",
    "events",
    "flow",
    "handling",
    "interactions",
    "lines",
    "matching",
    "outcomes",
    "presence",
    "queues",
    "records",
    "router",
    "rulefile",
    "rules",
    "skills",
    "snapshots",
    "state",
    "strategies",
    "timers",
    "waiting",
)

#: How the C is built; part of the build's key, so a change of recipe rebuilds.
RECIPE = "mypyc -O3; -fvisibility=hidden; gcc profile-guided from perf.routing.replay (v1)"
#: The training run of the profile-guided build: the benchmark's world at two sizes.
TRAINING = (
    "from centralita.core import native\n"
    "from centralita.perf.routing import replay\n"
    "assert native.is_compiled(), 'the instrumented build did not load'\n"
    "replay(30_000, 5000, 100, 1)\n"
    "replay(20_000, 1000, 20, 2)\n"
)

_MARKER = "complete"
_HERE = Path(__file__).resolve().parent
_active: Path | None = None


def source_key() -> str:
    """The build's key: the compiled sources' bytes, the interpreter and its ABI."""
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    digest.update(str(sysconfig.get_config_var("EXT_SUFFIX")).encode())
    digest.update(RECIPE.encode() + (b"\0profiled" if _profile_wanted() else b"\0plain"))
    for name in MODULES:
        digest.update(name.encode() + b"\0")
        digest.update((_HERE / f"{name}.py").read_bytes())
    return digest.hexdigest()[:20]


def cache_root() -> Path:
    explicit = os.environ.get("CENTRALITA_NATIVE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "centralita" / "native"


def build_dir() -> Path:
    """Where the build for the current sources lives (it may not exist)."""
    return cache_root() / source_key()


def activate(package_path: MutableSequence[str]) -> Path | None:
    """Put a complete build for these sources first on `package_path` (the core's
    `__path__`); return its directory, or None (interpreted)."""
    global _active
    if os.environ.get("CENTRALITA_NATIVE", "1") == "0":
        return None
    try:
        where = build_dir()
    except (OSError, RuntimeError):  # a source unreadable, no home directory: interpreted
        return None
    if not (where / _MARKER).is_file():
        return None
    package_path.insert(0, str(where / "centralita" / "core"))
    if str(where) not in sys.path:
        sys.path.append(str(where))  # the shared `<hash>__mypyc` library of the build
    _active = where
    return where


def active() -> Path | None:
    """The build the core runs on in this process (None: interpreted)."""
    return _active


def is_compiled() -> bool:
    """Whether the router class this process uses is compiled."""
    from centralita.core import router

    return not str(getattr(router, "__file__", "")).endswith(".py")


def build(*, force: bool = False, quiet: bool = True) -> Path:
    """Compile the core for the current sources (a no-op when already built)."""
    target = build_dir()
    if (target / _MARKER).is_file() and not force:
        return target
    src = _HERE.parent.parent  # the directory holding the `centralita` package
    with tempfile.TemporaryDirectory(prefix="centralita-native-") as tmp:
        work = Path(tmp)
        shutil.copytree(
            src / "centralita",
            work / "centralita",
            ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyc"),
        )
        flags = ["-fvisibility=hidden"]  # (the modules' `PyInit_*` stay exported)
        profiled = _profile_wanted() and _compiler_is_gcc()
        if profiled:
            # one directory, the same object paths in both builds: GCC finds each
            # object's profile by its path
            profile = work / "profile"
            _mypyc(
                work,
                [*flags, f"-fprofile-generate={profile}", "-fprofile-update=single"],
                [f"-fprofile-generate={profile}"],
            )
            _train(work)
            shutil.rmtree(work / "build")
            flags += [f"-fprofile-use={profile}", "-fprofile-partial-training"]
            flags += ["-Wno-missing-profile"]  # (modules the training never ran)
        _mypyc(work, flags, [])
        staging = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=_ensure(target.parent)))
        try:
            (staging / "centralita" / "core").mkdir(parents=True)
            suffix = str(sysconfig.get_config_var("EXT_SUFFIX"))
            for name in MODULES:
                built = work / "centralita" / "core" / f"{name}{suffix}"
                shutil.copy2(built, staging / "centralita" / "core" / built.name)
            for shared in work.glob(f"*__mypyc{suffix}"):
                shutil.copy2(shared, staging / shared.name)
            (staging / _MARKER).write_text(
                f"{source_key()}\nprofile-guided: {'yes' if profiled else 'no'}\n",
                encoding="utf-8",
            )
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)  # appears complete or not at all
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    if not quiet:
        how = "profile-guided" if profiled else "without a profile"
        print(f"native: built {len(MODULES)} modules ({how}) into {target}")
    return target


def _profile_wanted() -> bool:
    return os.environ.get("CENTRALITA_NATIVE_PGO", "1") != "0"


def _compiler_is_gcc() -> bool:
    """Whether setuptools will compile with GCC (the profile flags are GCC's)."""
    compiler = os.environ.get("CC") or str(sysconfig.get_config_var("CC") or "cc")
    try:
        done = subprocess.run(
            [*compiler.split(), "--version"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return False
    text = done.stdout.lower()
    return (
        done.returncode == 0 and "clang" not in text and ("gcc" in text or "free software" in text)
    )


def _mypyc(work: Path, cflags: list[str], ldflags: list[str]) -> None:
    """mypyc in `work` (in place: the modules land next to their sources)."""
    files = [f"centralita/core/{name}.py" for name in MODULES]
    for old in [*work.glob("*.so"), *(work / "centralita" / "core").glob("*.so")]:
        old.unlink()
    env = dict(os.environ, CENTRALITA_NATIVE="0", MYPYC_OPT_LEVEL="3")
    env["CFLAGS"] = " ".join([os.environ.get("CFLAGS", ""), *cflags]).strip()
    env["LDFLAGS"] = " ".join([os.environ.get("LDFLAGS", ""), *ldflags]).strip()
    _run([sys.executable, "-m", "mypyc", *files], work, env, "mypyc")


def _train(work: Path) -> None:
    """Run the instrumented build on the benchmark's world (it writes the profile)."""
    env = dict(os.environ, CENTRALITA_NATIVE="0", PYTHONPATH=str(work))
    _run([sys.executable, "-c", TRAINING], work, env, "the profile's training run", timeout=600)


def _run(
    command: list[str], cwd: Path, env: dict[str, str], what: str, timeout: float | None = None
) -> None:
    """Run a build step; a failure raises with the end of what it printed."""
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-4000:]
        raise RuntimeError(f"{what} failed (exit {done.returncode}):\n{tail}")


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    if command == "build":
        try:
            build(force="--force" in argv, quiet=False)
        except RuntimeError as exc:
            print(f"native: {exc}", file=sys.stderr)
            return 1
        return 0
    if command == "status":
        where = build_dir()
        marker = where / _MARKER
        state = "built" if marker.is_file() else "not built"
        how = ""
        if marker.is_file():
            lines = marker.read_text(encoding="utf-8").splitlines()[1:]
            how = f" ({lines[0]})" if lines else ""
        print(f"native: {state}{how} for these sources ({where}); in use: {is_compiled()}")
        return 0
    print("usage: scripts/native.py build [--force] | status", file=sys.stderr)
    return 2


_package = sys.modules.get(__name__.rpartition(".")[0])
if _package is not None and hasattr(_package, "__path__"):  # imported by the package
    activate(_package.__path__)
