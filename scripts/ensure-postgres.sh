#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the storage tests.
# Already running: nothing to do. As root on Debian: install and start Debian's PostgreSQL
# with trust authentication for 127.0.0.1 (a test machine's setting). Otherwise say what to
# do; the PostgreSQL tests then skip, except with CI=true, where they fail.
set -euo pipefail
HOST=127.0.0.1
PORT=5432

ready() { command -v pg_isready >/dev/null && pg_isready -q -h "$HOST" -p "$PORT"; }
ready && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "PostgreSQL is not answering on $HOST:$PORT; install and start it (Debian:" \
       "sudo apt-get install postgresql) to run the PostgreSQL storage tests." >&2
  exit 0
fi

if ! ls /etc/postgresql/*/main/pg_hba.conf >/dev/null 2>&1; then
  echo "installing PostgreSQL from Debian..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
hba=/etc/postgresql/$version/main/pg_hba.conf
if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
  sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
  || pg_ctlcluster --skip-systemctl-redirect "$version" main reload
for _ in $(seq 1 60); do ready && exit 0; sleep 0.5; done
echo "PostgreSQL $version did not start on $HOST:$PORT" >&2
exit 1
