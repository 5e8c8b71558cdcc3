#!/usr/bin/env bash
# Benchmark of the deploy rehearsal in the engine (numbers, not assertions),
# side by side in one run, each against the same emulator:
#   1. cold: the first deploy of the environment, with the engine's cache
#      empty (the image mirror and tool builds kept): the shared engine purged,
#      or with --fresh-engine a second engine with an empty state beside it
#      (the shared one untouched: for a machine others are using), or, with
#      --keep-cache, the engine as it is
#   2. the same deploy again, nothing changed (every stack skipped)
#   3. after changing only the day's catalogue (one product's price)
# and, for each, the wall time, its share of cold, the critical path through
# the stage graph vs the wall time, then each run's stage table (seconds per
# stage: where the time goes).
# Needs the engine env: eval "$(go run ./ci/airgap env)". Takes ~15 min.
# Usage: bash ci/rehearsal/bench.sh [--fresh-engine|--keep-cache]
# On a shared machine: --fresh-engine (or --keep-cache), and other ports for the stand-ins
# (REHEARSAL_MOTO_PORT, REHEARSAL_SLACK_PORT, REHEARSAL_FRONT_PORT, EVENTMALL_REHEARSAL_RUN;
# ci/rehearsal/servers.sh) so that it needs no CI lock.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${BENCH_OUT:-$ROOT/.test-logs/bench}
mkdir -p "$OUT"
T=$(mktemp -d /tmp/eventmall-bench.XXXXXX)

FRESH=
case "${1:-}" in
  --keep-cache) ;;
  --fresh-engine)
    # ci/airgap's EVENTMALL_ENGINE_NAME: its own container and state volume, removed at the end
    export EVENTMALL_ENGINE_NAME=bench-$$
    FRESH=1
    echo "a second engine with an empty cache: $EVENTMALL_ENGINE_NAME (the shared engine untouched)"
    go run ./ci/airgap up >"$OUT/up.log" 2>&1 || { tail -20 "$OUT/up.log"; echo "bench: up of the fresh engine failed" >&2; exit 1; } ;;
  "")
    echo "purging the engine's cache (down --purge, up)"
    go run ./ci/airgap down --purge >"$OUT/down.log" 2>&1
    go run ./ci/airgap up >"$OUT/up.log" 2>&1 ;;
  *) echo "usage: bash ci/rehearsal/bench.sh [--fresh-engine|--keep-cache]" >&2; exit 2 ;;
esac
eval "$(go run ./ci/airgap env)"
finish() {
  bash ci/rehearsal/servers.sh stop >/dev/null 2>&1 || true
  [ -z "$FRESH" ] || go run ./ci/airgap down --purge >"$OUT/down.log" 2>&1 || true
}
trap finish EXIT
bash ci/rehearsal/servers.sh start
eval "$(bash ci/rehearsal/servers.sh env)"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIAEVENTMALLBENCH AWS_SECRET_ACCESS_KEY=eventmall-bench-secret-key AWS_SESSION_TOKEN=eventmall-bench-session-token SLACK_TOKEN=xoxb-eventmall-bench-token
"$REHEARSAL_PYTHON" ci/rehearsal/moto_setup.py "$REHEARSAL_AWS_ENDPOINT" "$REHEARSAL_REGISTRY" "$ROOT" "$T/offline-values.json" >"$T/moto.json"
moto() { "$REHEARSAL_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/moto.json" "$1"; }

mkdir -p "$T/src"
tar -C "$ROOT" --exclude=node_modules --exclude=.git --exclude=dist --exclude=.terraform \
  --exclude=.test-logs --exclude=test-results --exclude=.dagger/internal -cf - . | tar -C "$T/src" -xf -

# The rehearsal's account and environment (as ci/module-test.sh calls them).
ENV=(aws --access-key-id=env://AWS_ACCESS_KEY_ID --secret-access-key=env://AWS_SECRET_ACCESS_KEY
     --session-token=env://AWS_SESSION_TOKEN --region=us-east-1 --endpoint-url="$REHEARSAL_AWS_ENDPOINT"
     with-offline-provider --version=6.47.0 --values="$T/offline-values.json"
     environment --name=rehearsal --state-bucket=eventmall-rehearsal-state
     --slack-token=env://SLACK_TOKEN --slack-channel=#bench with-slack-api --url="$REHEARSAL_SLACK_API"
     with-clock --now=2026-12-01T12:00:00+01:00)

run() { # run NAME: one deploy of the copy, wall time to $OUT/NAME.seconds
  local t0
  t0=$(date +%s.%N)
  dagger --progress=plain call --source="$T/src" "${ENV[@]}" deploy summary \
    >"$OUT/$1.report" 2>"$OUT/$1.log" || { tail -40 "$OUT/$1.log"; echo "bench: the $1 deploy failed" >&2; exit 1; }
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f\n", b-a}' >"$OUT/$1.seconds"
}

# base is the administrator's (a deploy never applies it): bootstrapped first, as in
# docs/getting-started.md; not part of any timed run.
dagger --progress=plain call --source="$T/src" "${ENV[@]}" stack --name=base \
  plan apply >"$OUT/base.out" 2>"$OUT/base.log" || { tail -30 "$OUT/base.log"; echo "bootstrapping base failed" >&2; exit 1; }

run cold
run unchanged
"$REHEARSAL_PYTHON" ci/rehearsal/edit_catalog.py "$T/src/backend/catalog" --add-cents=100
run catalogue

"$REHEARSAL_PYTHON" - "$OUT" "$ROOT" <<'PY'
import json, os, sys
out, root = sys.argv[1], sys.argv[2]
# The stage graph of Deploy: the stacks' and steps' order from stackio/graph.json (its one
# owner), and around it the stages deploy.go adds. Stages a run does not have (a skipped
# stack has no parity or apply stage) count 0 s.
graph = json.load(open(os.path.join(root, ".dagger", "stackio", "graph.json")))
stacks = {n["name"] for n in graph["stacks"]}
def reads(node):  # what a stack or step waits for: the nodes of its inputs, and its after list
    got = set(node.get("after", []))
    for ref in node.get("inputs", {}).values():
        kind, rest = ref.split(".", 1)
        got.add(rest.split(".")[0] if kind == "step" else kind)
    return ["apply " + n if n in stacks else n for n in sorted(got)]
gate = ["test-frontend", "test-backend", "validate-catalog", "terraform-policy", "build-frontend", "backend-image"]
deps = {"freeze": [], "changes": ["freeze"], "deploy-lock": gate}
deps.update({s: ["changes"] for s in gate})
for n in graph["stacks"]:
    deps["plan " + n["name"]] = ["deploy-lock"] + reads(n)
    deps["parity " + n["name"]] = ["plan " + n["name"]]
    deps["apply " + n["name"]] = ["parity " + n["name"]]
for n in graph["steps"]:
    deps[n["name"]] = ["deploy-lock"] + reads(n)
# deploy.go's hooks: the release between the service's plan and apply (after the apply on a
# first deploy: on the path either way): db-release, or on a catalogue-only change
# publish-catalogue then load-catalogue; the ECS stand-in before wait-service-stable; the
# screenshot after the smoke test.
deps["db-release"] = ["parity service"]
deps["publish-catalogue"] = ["db-release"]
deps["load-catalogue"] = ["publish-catalogue"]
deps["apply service"] = ["load-catalogue"]
deps["ecs-stand-in"] = ["apply service"]
deps["wait-service-stable"].append("ecs-stand-in")
deps["screenshot"] = ["smoke-test"]
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
    path = f("screenshot")
    print("%-10s %9.1f %8.1f%% %14.1f %11.2f" % (name, wall, 100 * wall / cold_wall, path, wall / path if path else 0))
for name in ("cold", "unchanged", "catalogue"):
    print("\n--- %s: stage table (seconds per stage)" % name)
    for line in open(os.path.join(out, name + ".report")):
        print(line.rstrip()[:160])
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$T"
