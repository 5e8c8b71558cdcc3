#!/usr/bin/env bash
# The project's test command (README.md). Installs what it needs, runs the
# Terraform checks that need the host, brings up the Dagger engine (air-gapped
# mode when no registry is reachable), runs the gate in it (`dagger checks`:
# every check of the module) and the module tests. Fails loudly on the first
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
# python3-venv: moto for the S3 state-lock test and the rehearsal's host servers
pkgs=(git curl python3-venv)
# the backend benchmark's servers, closed-loop generator and plot
[ "$FULL" = 1 ] && pkgs+=(mariadb-server memcached wrk gnuplot-nox)
for pkg in "${pkgs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# The engine's cold start builds Dagger from the Go module proxy: start it
# now, in the background, while the host-only suite runs.
step "starting the Dagger engine in the background (log: $LOGS/engine-up.log)"
( go run ./ci/airgap up >"$LOGS/engine-up.log" 2>&1; echo $? >"$LOGS/engine-up.rc" ) &
ENGINE_PID=$!

cleanup() {
  bash backend/scripts/test-servers.sh stop >/dev/null 2>&1 || true
  bash ci/rehearsal/servers.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# What needs the host: the S3 state-lock test against moto, the rush-window
# plan and every stack planned and applied through the offline provider.
suite "terraform: policy with moto, rush window, stacks through the offline provider" bash terraform/scripts/check.sh

step "waiting for the Dagger engine"
wait "$ENGINE_PID" || true
if [ "$(cat "$LOGS/engine-up.rc" 2>/dev/null)" != 0 ]; then
  tail -40 "$LOGS/engine-up.log"
  fail "go run ./ci/airgap up"
fi
tail -15 "$LOGS/engine-up.log"
eval "$(go run ./ci/airgap env)"

# The gate: every +check function of the module (`dagger checks -l` lists
# them), run concurrently in the engine, each to its end. The exit code is
# dagger's; the lines printed are each check's end (DONE or ERROR, its time)
# and, for a failed one, its error, from the log.
# A gate takes 7-13 min here; GATE_TIMEOUT_SECONDS bounds it, so a check that hangs fails the run
# by name instead of using up the CI's time (it happened once, in schemathesis, for 80 minutes).
gate() {
  local rc=0 limit=${GATE_TIMEOUT_SECONDS:-2700}
  timeout --signal=INT --kill-after=60 "$limit" dagger --progress=plain checks >"$LOGS/checks.log" 2>&1 || rc=$?
  sed 's/\x1b\[[0-9;]*m//g' "$LOGS/checks.log" |
    awk '/^[0-9]+ +: [a-zA-Z]+ (DONE|ERROR) / && $3 != "connect" { print; err = ($4 == "ERROR") ? $1 : ""; next }
         /^[0-9]+ +: / { if ($1 != err || $3 != "!") err = "" } err != "" { print "    " $0 }'
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "the gate did not end in $limit s; checks that never ended: $(unended_checks)"
  fi
  return $rc
}
# unended_checks: the checks the log shows starting ("N : name") with no DONE/ERROR line.
unended_checks() {
  sed 's/\x1b\[[0-9;]*m//g' "$LOGS/checks.log" |
    awk '/^[0-9]+ +: [a-zA-Z]+$/ { started[$3] = 1 } /^[0-9]+ +: [a-zA-Z]+ (DONE|ERROR) / { ended[$3] = 1 }
         END { for (c in started) if (!(c in ended) && c != "connect") printf "%s ", c }'
}
suite "gate: dagger checks (every check of the module, in the engine; log: $LOGS/checks.log)" gate
# --full also deploys modified copies of the tree (ci/module-test.sh says why they are not default).
export MODULE_TEST_SOURCE_COPIES=$FULL
suite "module: real dagger calls in the engine" bash ci/module-test.sh

if [ "$FULL" = 1 ]; then
  bash backend/scripts/test-servers.sh start
  eval "$(bash backend/scripts/test-servers.sh env)"
  suite "backend: npm ci (for the benchmark)" bash -c 'cd backend && npm ci --no-audit --no-fund'
  suite "bench: backend midnight rush" bash -c 'cd backend && npm run bench'
  suite "bench: deploy rehearsal (cold, unchanged, catalogue change)" bash ci/rehearsal/bench.sh
  suite "gate self-test: a copy broken once per check fails each of them" bash ci/gate-selftest.sh
fi

step "all suites passed"
cat "$LOGS/timings"
