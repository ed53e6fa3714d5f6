#!/usr/bin/env bash
# `make run-scale`: the scale-out layout on this machine, on the PostgreSQL and Redis
# found on 127.0.0.1: two stateless web instances (ports 8000 and 8001; put any load
# balancer in front) and two job workers, all sharing one database and one queue.
# Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

export REFERRALDESK_DATABASE_URL="${REFERRALDESK_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/referraldesk}"
export REFERRALDESK_REDIS_URL="${REFERRALDESK_REDIS_URL:-redis://127.0.0.1:6379/0}"
# Every process on this machine reads the same key files (made by the first to need
# them); on several machines, set the keys themselves (deploy/referraldesk.env.example).
export REFERRALDESK_ENCRYPTION_KEY_FILE="${REFERRALDESK_ENCRYPTION_KEY_FILE:-var/encryption.key}"
export REFERRALDESK_AUDIT_KEY_FILE="${REFERRALDESK_AUDIT_KEY_FILE:-var/audit.key}"
export REFERRALDESK_SESSION_SECRET_FILE="${REFERRALDESK_SESSION_SECRET_FILE:-var/session.secret}"
WEB_PORTS="${WEB_PORTS:-8000 8001}"
WORKERS="${WORKERS:-2}"

# Create the database if it is missing (the server's own `postgres` database is
# where one connects to create another).
$BIN/python - <<'PY'
import os
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

url = make_url(os.environ["REFERRALDESK_DATABASE_URL"])
admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with admin.connect() as connection:
    exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": url.database}).first()
    if not exists:
        connection.execute(text(f'CREATE DATABASE "{url.database}"'))
        print(f"created database {url.database}")
admin.dispose()
PY

# Migrations run once per deploy, before any new process starts.
$BIN/referraldesk db upgrade
$BIN/referraldesk practice load --demo

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
for _ in $(seq "$WORKERS"); do
    $BIN/referraldesk worker --workers 2 & pids+=($!)
done
for port in $WEB_PORTS; do
    $BIN/referraldesk serve --no-worker --host 127.0.0.1 --port "$port" & pids+=($!)
done
echo "web: $(for p in $WEB_PORTS; do printf 'http://127.0.0.1:%s ' "$p"; done); workers: $WORKERS"
wait -n
