"""Run every benchmark in this folder, one process each, and print their figures.

Each `benchmarks/<name>.py` is a thin script that prints one JSON object. `make bench`
runs this file; `python benchmarks/run_all.py routing` runs only the named ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)
    if names:
        scripts = [p for p in scripts if p.stem in names]
    failed = 0
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, check=False
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
