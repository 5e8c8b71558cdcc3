#!/usr/bin/env bash
# schemathesis (property-based API fuzzing, PyPI) against the REAL server (src/server.js with
# MariaDB and memcached) from openapi.json: every check on, bounded examples per operation, a fixed
# seed (reproducible; SCHEMATHESIS_SEED to vary). Two runs: the waiting room off (every route but
# the waiting room's), then on (all routes; orders then need an admitted queue token). Fails on any failed check, and on any error the server logged.
#
#   eval "$(scripts/test-servers.sh env)" && scripts/schemathesis.sh
#
# Env: DB_HOST DB_PORT DB_USER DB_PASSWORD MEMCACHED_SERVERS (as for npm test; the user needs CREATE
# DATABASE); SCHEMATHESIS_EXAMPLES (25 per operation), SCHEMATHESIS_SEED (1), SCHEMATHESIS_PORT (a
# free one), SCHEMATHESIS_RUN_LIMIT (300 s per run); EVENTMALL_CACHE (/var/cache/eventmall) holds the venv, schemathesis-venv.
# Rate limits are off for the run (0): with them, most generated orders would only meet 429.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=$PWD
CACHE=${EVENTMALL_CACHE:-/var/cache/eventmall}
VENV=$CACHE/schemathesis-venv
VERSION=4.32.5
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-25}
SEED=${SCHEMATHESIS_SEED:-1}
RUN_LIMIT=${SCHEMATHESIS_RUN_LIMIT:-300}
for v in DB_HOST DB_USER DB_PASSWORD MEMCACHED_SERVERS; do
  [ -n "${!v:-}" ] || { echo "schemathesis.sh: $v is not set (eval \"\$(scripts/test-servers.sh env)\")" >&2; exit 2; }
done

if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "version $VERSION\$"; then
  python3 -m venv "$VENV"
  for i in 1 2 3; do
    timeout 600 "$VENV/bin/pip" install --quiet --disable-pip-version-check --timeout 30 "schemathesis==$VERSION" && break
    [ "$i" = 3 ] && { echo "schemathesis.sh: pip install schemathesis==$VERSION failed" >&2; exit 1; }
    sleep $((i * 3))
  done
fi
"$VENV/bin/schemathesis" --version

WORK=$(mktemp -d)
DB=em_schemathesis_$$
PID=
# The server drains on SIGTERM (bounded by its own shutdown timeout); SIGKILL if it is still there.
stop_server() {
  [ -n "$PID" ] || return 0
  kill "$PID" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$PID" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  PID=
}
cleanup() {
  stop_server
  mysql --connect-timeout=10 -h "$DB_HOST" -P "${DB_PORT:-3306}" -u "$DB_USER" -p"$DB_PASSWORD" -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mysql --connect-timeout=10 -h "$DB_HOST" -P "${DB_PORT:-3306}" -u "$DB_USER" -p"$DB_PASSWORD" -e "CREATE DATABASE $DB"
DB_NAME=$DB CATALOG_SHIFT_TO_TODAY=true LOG_LEVEL=warn timeout 120 node src/cli/db-release.js >"$WORK/release.log" 2>&1 \
  || { tail -20 "$WORK/release.log"; echo "schemathesis.sh: db:release failed" >&2; exit 1; }

PORT=${SCHEMATHESIS_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
URL=http://127.0.0.1:$PORT
status=0
for room in off on; do
  echo "== schemathesis: the real server, waiting room $room ($URL, $EXAMPLES examples per operation, seed $SEED)"
  log=$WORK/server-$room.log
  # node itself (not npm start), so the kill below stops the server
  DB_NAME=$DB PORT=$PORT LOG_LEVEL=warn WAITING_ROOM=$room RATE_LIMIT_SESSIONS_PER_10S=0 RATE_LIMIT_ORDERS_PER_10S=0 \
    node src/server.js >"$log" 2>&1 &
  PID=$!
  for _ in $(seq 1 120); do curl -fsS "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fsS "$URL/readyz" >/dev/null || { tail -20 "$log"; echo "schemathesis.sh: the server did not become ready" >&2; exit 1; }
  # with the waiting room off its routes all answer 404 waiting_room_off: they are fuzzed in the "on" run
  only=(); [ "$room" = off ] && only=(--exclude-tag "waiting room")
  session=$(curl -fsS --max-time 10 -X POST "$URL/api/session" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).sessionId))')
  # A run takes seconds; one CI gate once sat in this step for 80 minutes with no output. Bound it:
  # SIGINT makes schemathesis print what it had, and the time-out fails the check by name.
  rc=0
  (cd "$WORK" && timeout --signal=INT --kill-after=30 "$RUN_LIMIT" "$VENV/bin/schemathesis" --no-color \
      --config-file "$BACKEND/schemathesis.toml" run "$BACKEND/openapi.json" \
      --url "$URL" -H "X-Session-Id: $session" --checks all --max-examples "$EXAMPLES" --seed "$SEED" \
      --workers 2 --request-timeout 10 "${only[@]}") || rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "schemathesis.sh: the schemathesis run (waiting room $room) did not end in $RUN_LIMIT s; the server's last lines:" >&2
    tail -20 "$log" >&2
    status=1
  elif [ "$rc" != 0 ]; then
    status=1
  fi
  stop_server
  if grep -q '"level":"\(error\|fatal\)"' "$log"; then
    echo "schemathesis.sh: the server logged errors (waiting room $room):" >&2
    grep '"level":"\(error\|fatal\)"' "$log" | head -20 >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "schemathesis.sh: 0 failures, 0 server errors (both runs)"
exit "$status"
