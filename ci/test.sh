#!/usr/bin/env bash
# The project's test command (README.md). Installs what it needs, starts the
# servers its tests use, brings up the Dagger engine (air-gapped mode when no
# registry is reachable) and runs every suite. Fails loudly on the first
# failing suite.
#
#   bash ci/test.sh          # the default run
#   bash ci/test.sh --full   # also the benchmarks (slow; numbers, not assertions)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FULL=0
[ "${1:-}" = "--full" ] && FULL=1

export CACHE=${EVENTMALL_CACHE:-/var/cache/eventmall}
export LOGS=${EVENTMALL_TEST_LOGS:-$ROOT/.test-logs}
mkdir -p "$CACHE" "$LOGS"
# This machine exports a TF_CLI_CONFIG_FILE that does not exist; use a real one.
touch "$CACHE/terraformrc"
export TF_CLI_CONFIG_FILE=$CACHE/terraformrc
export NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
export GOFLAGS=${GOFLAGS:--buildvcs=false}
# The operator's extra CA (a TLS-intercepting proxy), when the machine has one.
if [ -z "${EXTRA_CA_FILE:-}" ] && ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
  export EXTRA_CA_FILE=/usr/local/share/ca-certificates
fi

step() { printf '\n\033[1m==> %s\033[0m (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
fail() { printf '\n\033[1;31mFAILED: %s\033[0m\n' "$*" >&2; exit 1; }
suite() { # suite NAME COMMAND...: runs a suite, times it, names it on failure
  local name=$1; shift
  local t0=$SECONDS
  step "$name"
  if "$@"; then
    echo "--> $name passed in $((SECONDS - t0)) s"
    echo "$name $((SECONDS - t0))" >>"$LOGS/timings"
  else
    fail "$name (exit $?)"
  fi
}
: >"$LOGS/timings"

step "host packages"
need=()
pkgs=(mariadb-server memcached chromium git curl python3-venv)
# the backend benchmark's closed-loop generator and its plot
[ "$FULL" = 1 ] && pkgs+=(wrk gnuplot-nox)
for pkg in "${pkgs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The engine's cold start builds Dagger from the Go module proxy: start it
# now, in the background, while the host suites run.
step "starting the Dagger engine in the background (log: $LOGS/engine-up.log)"
( go run ./ci/airgap up >"$LOGS/engine-up.log" 2>&1; echo $? >"$LOGS/engine-up.rc" ) &
ENGINE_PID=$!

cleanup() {
  bash backend/scripts/test-servers.sh stop >/dev/null 2>&1 || true
  [ -n "${BACKEND_PID:-}" ] && kill "$BACKEND_PID" 2>/dev/null || true
  bash ci/rehearsal/servers.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The root module's Go code lives in ci/ and terraform/ (not ./...: node_modules
# folders can hold Go packages). terraform/... is tested by terraform/scripts/check.sh.
suite "go: root module tests (air-gapped tool, CI parity)" \
  bash -c 'go vet ./ci/... ./terraform/... && go test ./ci/...' 
suite "go: module packages (sync plan, plan summary, Slack, ECR auth, stage runner, stack io, freeze, history, plan parity, drift, rollback, preflight, rollout, task definitions, smoke checks, deploy lock, engine pin)" \
  bash -c 'cd .dagger && go test ./s3sync/... ./tfplan/... ./notify/... ./ecrauth/... ./pipeline/... ./stackio/... ./freeze/... ./history/... ./parity/... ./drift/... ./rollback/... ./preflight/... ./rollout/... ./taskdef/... ./smokecheck/... ./deploylock/... ./tfengine/...'
suite "terraform: fmt, policy, scanner" bash terraform/scripts/check.sh
suite "ci: vendor files against their schemas" bash ci/validate.sh

step "backend: test servers (MariaDB, memcached)"
bash backend/scripts/test-servers.sh start
eval "$(bash backend/scripts/test-servers.sh env)"
suite "backend: npm ci" bash -c 'cd backend && npm ci --no-audit --no-fund'
suite "backend: lint" bash -c 'cd backend && npm run lint'
suite "backend: catalogue" bash -c 'cd backend && npm run catalog:validate'
suite "backend: npm test (real MariaDB + memcached)" bash -c 'cd backend && npm test'
suite "backend: schemathesis on openapi.json against the real server" bash backend/scripts/schemathesis.sh

suite "frontend: npm ci" bash -c 'cd frontend && npm ci --no-audit --no-fund'
suite "frontend: API types match backend/openapi.json" bash -c 'cd frontend && npm run --silent api:types -- --check'
suite "frontend: lint" bash -c 'cd frontend && npm run lint'
suite "frontend: npm test" bash -c 'cd frontend && npm test'
suite "frontend: build" bash -c 'cd frontend && npm run build && npm run size'

step "e2e: the real backend serving the built site"
E2E_DB=eventmall_e2e_$$
mysql_cmd() { mysql -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" -p"$DB_PASSWORD" "$@"; }
mysql_cmd -e "DROP DATABASE IF EXISTS $E2E_DB; CREATE DATABASE $E2E_DB"
# node itself, not `npm start`: killing npm would leave the server running.
# Schema and catalogue once, as a deploy does; the server never loads at start.
( cd backend && DB_NAME=$E2E_DB CATALOG_SHIFT_TO_TODAY=true LOG_LEVEL=warn node src/cli/db-release.js ) >"$LOGS/e2e-db-release.log" 2>&1 \
  || { tail -30 "$LOGS/e2e-db-release.log"; fail "db:release of the e2e database"; }
( cd backend && DB_NAME=$E2E_DB PORT=18080 STATIC_DIR=$ROOT/frontend/dist \
    LOG_LEVEL=warn exec node src/server.js >"$LOGS/e2e-backend.log" 2>&1 ) &
BACKEND_PID=$!
for _ in $(seq 1 60); do curl -fsS http://127.0.0.1:18080/readyz >/dev/null 2>&1 && break; sleep 1; done
curl -fsS http://127.0.0.1:18080/readyz >/dev/null || { tail -30 "$LOGS/e2e-backend.log"; fail "backend did not become ready"; }
suite "frontend: e2e in Chromium against the real backend" \
  bash -c 'cd frontend && E2E_BASE_URL=http://127.0.0.1:18080 npm run e2e'
# The deploy rehearsal runs the published image as its task definition says; no host backend.
kill "$BACKEND_PID" 2>/dev/null || true

step "waiting for the Dagger engine"
wait "$ENGINE_PID" || true
if [ "$(cat "$LOGS/engine-up.rc" 2>/dev/null)" != 0 ]; then
  tail -40 "$LOGS/engine-up.log"
  fail "go run ./ci/airgap up"
fi
tail -15 "$LOGS/engine-up.log"
eval "$(go run ./ci/airgap env)"

suite "module: real dagger calls in the engine" bash ci/module-test.sh

if [ "$FULL" = 1 ]; then
  suite "bench: backend midnight rush" bash -c 'cd backend && npm run bench'
  suite "bench: deploy rehearsal (cold, unchanged, catalogue change)" bash ci/rehearsal/bench.sh
fi

step "all suites passed"
cat "$LOGS/timings"
