#!/usr/bin/env bash
# Fuzz the REST API with schemathesis against the real app under gunicorn.
#
# Run from the repository root with the virtualenv active (schemathesis installed):
#     bash .ci/schemathesis.sh
# Builds a throwaway SQLite database with the test cast (tests/cast.py), serves it on a
# free port, and fails when any request gets a 5xx or a response that does not match
# /api/v1/openapi.json. SCHEMATHESIS_SEED and SCHEMATHESIS_MAX_EXAMPLES tune a run.
set -euo pipefail

workdir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
token="$(python -c 'import secrets; print(secrets.token_urlsafe(24))')"
base="http://127.0.0.1:${port}"

# Environment variables win over a developer's .env (python-dotenv does not override);
# empty values mean "unset": embedded mode, no Claude, no WhatsApp.
export DATABASE_URL="sqlite:///${workdir}/yume.db"
export YUME_ADMIN_TOKEN="$token"
export REDIS_URL="" ANTHROPIC_API_KEY="" META_APP_SECRET="" META_GRAPH_URL="http://127.0.0.1:9"

# The cast (organizations 1 and 2, services 1-3, staff 1-3, customers 1-2), plus one
# appointment and one conversation, so that ids 1-3 reach real rows.
python - <<'PY'
import os
from datetime import datetime, time

from tests.cast import Cast, next_weekday
from yume.booking import book_appointment
from yume.db import open_database
from yume.migrations import migrate
from yume.models import Conversation, Message
from yume.timeutil import zone

db = open_database(os.environ["DATABASE_URL"])
with db.connection_context():
    migrate(db)
    cast = Cast()
    start = datetime.combine(next_weekday(0), time(11), tzinfo=zone(cast.org.timezone))
    book_appointment(cast.org, cast.haircut.id, start, cast.customer, source="demo")
    chat = Conversation.create(organization=cast.org, phone=cast.customer.phone)
    Message.create(conversation=chat, direction="in", author="customer", text="Hola")
    Message.create(conversation=chat, direction="out", author="yume", text="¡Hola!")
PY

cat >"${workdir}/schemathesis.toml" <<'TOML'
# Ids that exist in the seeded database, used for most generated requests.
[dictionaries.orgs]
values = [1, 2]

[dictionaries.ids]
values = [1, 2, 3]

[parameters]
"path.org" = { dictionary = "orgs", probability = 0.9 }
"path.id" = { dictionary = "ids", probability = 0.8 }
"query.service_id" = { dictionary = "ids", probability = 0.8 }
"query.staff_id" = { dictionary = "ids", probability = 0.5 }
"body.service_id" = { dictionary = "ids", probability = 0.8 }
"body.staff_id" = { dictionary = "ids", probability = 0.5 }
TOML

gunicorn wsgi:app --bind "127.0.0.1:${port}" --workers 2 --threads 4 --timeout 30 \
  --log-level warning >"${workdir}/gunicorn.log" 2>&1 &
server_pid=$!

for _ in $(seq 60); do
  if python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" \
    "${base}/health" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    cat "${workdir}/gunicorn.log" >&2
    echo "gunicorn exited before /health answered" >&2
    exit 1
  fi
  sleep 0.5
done
python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
  "${base}/health" || { cat "${workdir}/gunicorn.log" >&2; echo "/health never answered" >&2; exit 1; }

# One worker: with several, hypothesis describes strategies with ast.parse from many
# threads at once, which on CPython 3.11 fails at random with "SystemError: AST
# constructor recursion depth mismatch" (an error of the runner, not of the API).
#
# Checks: every built-in one except positive_data_acceptance. That check expects any
# request that matches the schema to succeed, but the contract answers 422 to requests
# that are well formed yet impossible for the business (overlapping hours, a phone that
# is not a number, a time zone that does not exist, slot_minutes that does not divide a
# day); the schema cannot say all of that. Server errors (not_a_server_error) and
# response-schema conformance stay mandatory, together with status codes, content types,
# refusing invalid data, authentication and unsupported methods.
status=0
schemathesis --config-file "${workdir}/schemathesis.toml" run "${base}/api/v1/openapi.json" \
  --header "Authorization: Bearer ${token}" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-100}" \
  --seed "${SCHEMATHESIS_SEED:-20261201}" \
  --workers 1 \
  --request-timeout 10 \
  --generation-database none \
  --no-color || status=$?

if [[ $status -ne 0 ]]; then
  echo "--- gunicorn log ---" >&2
  tail -n 100 "${workdir}/gunicorn.log" >&2
fi
exit "$status"
