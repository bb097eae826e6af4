"""Make `routing_helpers` importable from the core tests under any import mode."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Say which core the tests ran on (`make native` builds a compiled one)."""
    from centralita.core import native

    how = "compiled" if native.is_compiled() else "interpreted"
    terminalreporter.write_line(f"centralita.core ran {how}")
