#!/usr/bin/env bash
# Benchmark of the deploy rehearsal in the engine (numbers, not assertions):
#   1. cold: the engine's cache purged (the image mirror and tool builds kept)
#   2. the same deploy again, nothing changed
#   3. after changing only the day's catalogue (one product's price)
# and, for each, the critical path through the stage graph vs the wall time.
# Needs the engine env: eval "$(go run ./ci/airgap env)". Takes ~15 min.
# Usage: bash ci/rehearsal/bench.sh [--keep-cache]   (--keep-cache: skip the purge)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${BENCH_OUT:-$ROOT/.test-logs/bench}
mkdir -p "$OUT"
T=$(mktemp -d /tmp/eventmall-bench.XXXXXX)

if [ "${1:-}" != "--keep-cache" ]; then
  echo "purging the engine's cache (down --purge, up)"
  go run ./ci/airgap down --purge >"$OUT/down.log" 2>&1
  go run ./ci/airgap up >"$OUT/up.log" 2>&1
fi
eval "$(go run ./ci/airgap env)"
bash ci/rehearsal/servers.sh start
eval "$(bash ci/rehearsal/servers.sh env)"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIAEVENTMALLBENCH AWS_SECRET_ACCESS_KEY=eventmall-bench-secret-key AWS_SESSION_TOKEN=eventmall-bench-session-token SLACK_TOKEN=xoxb-eventmall-bench-token
"$REHEARSAL_PYTHON" ci/rehearsal/moto_setup.py "$REHEARSAL_AWS_ENDPOINT" "$REHEARSAL_REGISTRY" "$ROOT" "$T/offline-values.json" >"$T/moto.json"
moto() { "$REHEARSAL_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/moto.json" "$1"; }

mkdir -p "$T/src"
tar -C "$ROOT" --exclude=node_modules --exclude=.git --exclude=dist --exclude=.terraform \
  --exclude=.test-logs --exclude=test-results --exclude=.dagger/internal -cf - . | tar -C "$T/src" -xf -

run() { # run NAME: one deploy of the copy, wall time to $OUT/NAME.seconds
  local t0
  t0=$(date +%s.%N)
  dagger --progress=plain call --source="$T/src" deploy \
    --aws-access-key-id=env://AWS_ACCESS_KEY_ID --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY \
    --aws-session-token=env://AWS_SESSION_TOKEN --region=us-east-1 \
    --state-bucket=eventmall-rehearsal-state --lock-table=eventmall-rehearsal-locks --environment=rehearsal \
    --slack-token=env://SLACK_TOKEN --slack-channel=#bench --slack-api-url="$REHEARSAL_SLACK_API" \
    --aws-endpoint-url="$REHEARSAL_AWS_ENDPOINT" \
    --offline-aws-provider=6.47.0 --offline-aws-values="$T/offline-values.json" \
    --now=2026-12-01T12:00:00+01:00 \
    >"$OUT/$1.report" 2>"$OUT/$1.log"
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f\n", b-a}' >"$OUT/$1.seconds"
}

run cold
run unchanged
"$REHEARSAL_PYTHON" ci/rehearsal/edit_catalog.py "$T/src/backend/catalog" --add-cents=100
run catalogue

"$REHEARSAL_PYTHON" - "$OUT" <<'PY'
import os, sys
out = sys.argv[1]
# The stage graph of Deploy: each stage's predecessors.
gate = ["test-frontend", "test-backend", "validate-catalog", "terraform-policy", "build-frontend", "backend-image"]
deps = {s: ["freeze"] for s in gate}
deps["freeze"] = []
deps.update({
    "plan base": gate, "apply base": ["plan base"],
    "plan network": ["apply base"], "apply network": ["plan network"],
    "plan edge": ["apply network"], "apply edge": ["plan edge"], "sync-frontend": ["apply edge"],
    "plan data": ["apply network"], "apply data": ["plan data"], "publish-backend": ["apply data"],
    "plan service": ["sync-frontend", "publish-backend"], "apply service": ["plan service"],
    "wait-service-stable": ["apply service"], "smoke-test": ["wait-service-stable"],
})
def read(name):
    stages = {}
    for line in open(os.path.join(out, name + ".report")):
        parts = line.split()
        if len(parts) >= 3 and parts[0] not in ("STAGE", "total"):
            # stage names may hold one space ("plan base")
            for n in (2, 1):
                stage = " ".join(parts[:n])
                if stage in deps:
                    stages[stage] = float(parts[n + 1])
                    break
    return stages
cold_wall = float(open(os.path.join(out, "cold.seconds")).read())
print("%-10s %9s %9s %14s %11s" % ("run", "wall s", "% cold", "critical path", "wall/path"))
for name in ("cold", "unchanged", "catalogue"):
    wall = float(open(os.path.join(out, name + ".seconds")).read())
    d = read(name)
    finish = {}
    def f(s):
        if s not in finish:
            finish[s] = d.get(s, 0.0) + max([f(p) for p in deps[s]] or [0.0])
        return finish[s]
    path = f("smoke-test")
    print("%-10s %9.1f %8.1f%% %14.1f %11.2f" % (name, wall, 100 * wall / cold_wall, path, wall / path if path else 0))
PY
bash ci/rehearsal/servers.sh stop
rm -rf "$T"
