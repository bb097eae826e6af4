#!/usr/bin/env bash
# Install Centralita's pjsua2 wheel into a virtualenv, building it first if needed.
#
#   scripts/pjsua2/install.sh VENV_DIR
#
# Does nothing (quickly) when the venv already holds the wheel for the current build key
# (recorded in VENV_DIR/.centralita-pjsua2-key) and `import pjsua2` works there.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENV=${1:?usage: install.sh VENV_DIR}
# Absolute: build.sh runs the interpreter from inside the build tree.
[[ -d $VENV ]] && VENV=$(cd "$VENV" && pwd)
PY="$VENV/bin/python"
[[ -x $PY ]] || { echo "pjsua2: error: no Python at $PY" >&2; exit 1; }
MARKER="$VENV/.centralita-pjsua2-key"

wheel=$(PYTHON="$PY" "$HERE/build.sh" | tail -n 1)
[[ -f $wheel ]] || { echo "pjsua2: error: build.sh gave no wheel" >&2; exit 1; }
key=$(basename "$(dirname "$wheel")")

if [[ -f $MARKER && $(<"$MARKER") == "$key" ]] && "$PY" -c 'import pjsua2' 2>/dev/null; then
  echo "pjsua2: $VENV already has key $key" >&2
  exit 0
fi
echo "pjsua2: installing $(basename "$wheel") into $VENV" >&2
"$PY" -m pip install --quiet --force-reinstall --no-deps "$wheel" >&2
"$PY" -c 'import pjsua2' || { echo "pjsua2: error: import pjsua2 fails after install" >&2; exit 1; }
echo "$key" >"$MARKER"
echo "pjsua2: installed key $key" >&2
