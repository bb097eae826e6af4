"""Run every benchmark in this folder, one process each, and print their figures.

Each `benchmarks/<name>.py` is a thin script that prints one JSON object. `make bench`
runs this file; `python benchmarks/run_all.py routing` runs only the named ones.
The routing and simulation benchmarks run twice: on the interpreted core and on the
core compiled by `make native` (when it is built; their JSON says `compiled`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ON_THE_CORE = {"routing", "simulation"}  # run interpreted, then as `make native` built it


def main(names: list[str]) -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)
    if names:
        scripts = [p for p in scripts if p.stem in names]
    failed = 0
    runs = []
    for script in scripts:
        if script.stem in ON_THE_CORE:
            runs.append((script, f"{script.stem} (interpreted core)", {"CENTRALITA_NATIVE": "0"}))
            runs.append((script, f"{script.stem} (compiled core, if built)", {}))
        else:
            runs.append((script, script.stem, {}))
    for script, title, extra in runs:
        print(f"== {title}", flush=True)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **extra},
        )
        if done.returncode != 0:
            failed += 1
            print(f"FAILED ({done.returncode}):\n{done.stderr.strip()}")
            continue
        try:
            print(json.dumps(json.loads(done.stdout), indent=2))
        except json.JSONDecodeError:
            print(done.stdout.strip())
        print(f"({time.monotonic() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
