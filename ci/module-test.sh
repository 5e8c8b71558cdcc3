#!/usr/bin/env bash
# Real `dagger call`s of the module in the engine: each stage alone, the
# Terraform plan/apply plumbing, publish, sync + invalidation against moto,
# a full deploy rehearsal, the deploy's guards (base left to an administrator,
# the freeze, one deploy at a time: a held lock as an S3 object (the default) and in the optional
# DynamoDB table, two deploys started together, without the table and with it;
# the destroy guard), release safety (history, drift, preflight; plan parity, a second release and a
# rollback), a rollout ECS rolls back, a release leaving the database empty, an injected failure (the
# cases that deploy modified copies need MODULE_TEST_SOURCE_COPIES=1, i.e. ci/test.sh --full), a sibling
# failing while an apply runs (offline provider faults), `rehearse`,
# and a canary secret that must never show up. Needs the engine env: eval "$(go run ./ci/airgap env)".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGS=${LOGS:-$ROOT/.test-logs}/module
TMP=$(mktemp -d /tmp/eventmall-module-test.XXXXXX)
# The shop's port on localhost; another value (and servers.sh's REHEARSAL_*_PORT) lets a second run share the machine.
SHOP_PORT=${MODULE_TEST_SHOP_PORT:-18090}
rm -rf "$LOGS"; mkdir -p "$LOGS"
: "${_EXPERIMENTAL_DAGGER_RUNNER_HOST:?no engine: eval \"\$(go run ./ci/airgap env)\" first}"
: "${EVENTMALL_REGISTRY:?no local registry address: eval \"\$(go run ./ci/airgap env)\" first}"

ok() { echo "  ok: $*"; }
die() { echo "  FAIL: $*" >&2; exit 1; }
# dc NAME ARGS...: one `dagger call`, its output kept in $LOGS/NAME.{out,err}.
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
dc() {
  local name=$1 t0 rc=0 word chain=()
  shift
  # deploy and rollback return a report: print its stage table, as every CI vendor does.
  for word in "$@"; do case $word in deploy | rollback) chain=(summary) ;; esac; done
  t0=$(date +%s.%N)
  dagger --progress=plain call "$@" "${chain[@]}" >"$LOGS/$name.out" 2>"$LOGS/$name.err" || rc=$?
  elapsed "$t0" >"$LOGS/$name.secs"
  printf '  %-28s %6s s%s\n' "$name" "$(cat "$LOGS/$name.secs")" "$([ $rc = 0 ] || echo " (exit $rc)")"
  return $rc
}
show() { # show NAME [LINES]: a call's first error diagnostics (terraform's "Error:" lines), then the ends of its output
  echo "----- $1"; grep -m 10 -hE '(^|[│ ])Error: ' "$LOGS/$1.out" "$LOGS/$1.err" | sed 's/^/  first errors: /' || true
  tail -n "${2:-40}" "$LOGS/$1.out" "$LOGS/$1.err"; }
expect_ok() { local name=$1; dc "$@" || { show "$name"; die "dagger call $name"; }; }
copy_source() { # copy_source DIR: a copy of the working tree, without build output, its files newly dated (-m)
  mkdir -p "$1"
  tar -C "$ROOT" --exclude=node_modules --exclude=.git --exclude=dist --exclude=.terraform \
    --exclude=.test-logs --exclude=test-results --exclude=.dagger/internal -cf - . | tar -C "$1" -m -xf -
}

# Secrets used below: values that must never appear in any output, image or plan.
CANARY_AWS="canary-aws-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
CANARY_SLACK="xoxb-canary-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

echo "== module code and API"
dagger develop >"$LOGS/develop.log" 2>&1 || { tail -20 "$LOGS/develop.log"; die "dagger develop"; }
(cd .dagger && go vet ./...) || die "go vet of the module"
ok "dagger develop + go vet"
dagger functions >"$LOGS/functions.out" 2>"$LOGS/functions.err" || { show functions; die "dagger functions"; }
for fn in check test-backend test-frontend build-frontend backend-image aws shop validate-catalog rehearse; do
  grep -qE "^$fn\b" "$LOGS/functions.out" || die "dagger functions lacks $fn"
done
# What acts on an environment is reached through the account: aws … environment … deploy.
dagger functions aws environment >"$LOGS/functions-environment.out" 2>"$LOGS/functions-environment.err" || { show functions-environment; die "dagger functions aws environment"; }
for fn in deploy plan drift preflight history rollback unlock with-clock with-slack-api; do
  grep -qE "^$fn\b" "$LOGS/functions-environment.out" || die "dagger functions aws environment lacks $fn"
done
grep -q "Deploy takes the shop from source" "$LOGS/functions-environment.out" || die "dagger functions shows no doc comments"
ok "dagger functions lists the stages, and the environment's deploy, plan, drift, preflight, history, rollback, with their docs"

echo "== stages, each alone (test-backend, test-frontend and the other checks: the gate, dagger checks, runs each)"
expect_ok build-frontend build-frontend export --path="$TMP/dist"
[ -f "$TMP/dist/index.html" ] && ls "$TMP/dist/assets/"*.js >/dev/null || die "build-frontend exported no index.html/assets"
ok "build-frontend exported $(find "$TMP/dist" -type f | wc -l) files"
expect_ok build-frontend-cached build-frontend export --path="$TMP/dist2"
ok "second identical build-frontend call (cache hit), time above"
expect_ok validate-catalog validate-catalog
ok "validate-catalog"
copy_source "$TMP/bad-catalog"
python3 ci/rehearsal/edit_catalog.py "$TMP/bad-catalog/backend/catalog" --set-price-cents=-5 >/dev/null
if dc validate-catalog-bad --source="$TMP/bad-catalog" validate-catalog; then die "a negative price passed validation"; fi
grep -q "priceCents" "$LOGS/validate-catalog-bad.err" "$LOGS/validate-catalog-bad.out" || { show validate-catalog-bad; die "the catalogue error does not name the field"; }
ok "validate-catalog rejects a negative price, naming the field"
# A --source is uploaded whole (New's +ignore pragma filters only the default path): New filters it.
mkdir -p "$TMP/bad-catalog/backend/node_modules/eventmall-ignore-probe" "$TMP/bad-catalog/.test-logs"
touch "$TMP/bad-catalog/backend/node_modules/eventmall-ignore-probe/index.js" "$TMP/bad-catalog/.test-logs/eventmall-ignore-probe.log"
expect_ok source-filtered --source="$TMP/bad-catalog" source glob --pattern='**/eventmall-ignore-probe*'
[ -z "$(tr -d '[:space:]' <"$LOGS/source-filtered.out")" ] || { show source-filtered; die "a --source directory kept node_modules/.test-logs (sourceset.Ignore not applied)"; }
ok "a --source directory is filtered like the default path (no node_modules, no .test-logs)"
expect_ok backend-image backend-image with-exec --args=id,-un stdout
grep -qx "node" "$LOGS/backend-image.out" || die "backend image does not run as user node"
expect_ok backend-image-export backend-image export --path="$TMP/backend-image.tar"
ok "backend-image runs as a non-root user; exported $(du -h "$TMP/backend-image.tar" | cut -f1)"

echo "== the README's first command: the whole shop as services, on localhost"
# The tool built once and run itself, not under `go run`: it execs dagger in
# its own process, so $! is the dagger CLI and killing it stops the shop
# (`go run` would leave its child serving after being killed).
go build -o "$TMP/airgap" ./ci/airgap
"$TMP/airgap" dagger --progress=plain call shop up --ports=$SHOP_PORT:8080 >"$LOGS/shop.out" 2>"$LOGS/shop.err" &
SHOP_PID=$!
shop_ok=0
for _ in $(seq 1 150); do
  if curl -fsS http://127.0.0.1:$SHOP_PORT/api/drops/current -o "$TMP/drop.json" 2>/dev/null \
     && curl -fsS http://127.0.0.1:$SHOP_PORT/ -o "$TMP/index.html" 2>/dev/null; then shop_ok=1; break; fi
  kill -0 "$SHOP_PID" 2>/dev/null || break
  sleep 2
done
kill "$SHOP_PID" 2>/dev/null; wait "$SHOP_PID" 2>/dev/null || true
if pgrep -f -- "call shop up --ports=$SHOP_PORT:8080" >/dev/null; then
  pgrep -af -- "call shop up --ports=$SHOP_PORT:8080" >&2; die "a dagger process still serves the shop after the test stopped it"
fi
[ "$shop_ok" = 1 ] || { tail -30 "$LOGS/shop.err"; die "shop did not serve on localhost:$SHOP_PORT"; }
python3 - "$TMP/drop.json" <<'PY' || die "the local shop has no live drop"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["drop"] and d["drop"]["products"], d
print("  live drop %s with %d products" % (d["drop"]["date"], len(d["drop"]["products"])))
PY
grep -qi '<div id="root"' "$TMP/index.html" || die "the local shop does not serve the frontend"
ok "shop up: MariaDB, memcached, API image and frontend served at localhost, catalogue loaded"

echo "== AWS stand-ins: moto and a Slack recorder"
bash ci/rehearsal/servers.sh start
eval "$(bash ci/rehearsal/servers.sh env)"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=AKIAEVENTMALLTEST AWS_SECRET_ACCESS_KEY=$CANARY_AWS AWS_SESSION_TOKEN=eventmall-test-session-token SLACK_TOKEN=$CANARY_SLACK
"$REHEARSAL_PYTHON" ci/rehearsal/moto_setup.py "$REHEARSAL_AWS_ENDPOINT" "$REHEARSAL_REGISTRY" "$ROOT" "$TMP/offline-values.json" >"$TMP/moto.json"
moto() { "$REHEARSAL_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TMP/moto.json" "$1"; }
# What the test reads from and changes in moto and the Slack recorder's file: one subcommand a probe.
probe() { "$REHEARSAL_PYTHON" ci/rehearsal/probe.py "$@"; }
DIST=$(moto distribution_id)
ok "moto resources created (distribution $DIST); offline provider values in $TMP/offline-values.json"
AWS=(aws --access-key-id=env://AWS_ACCESS_KEY_ID --secret-access-key=env://AWS_SECRET_ACCESS_KEY
     --session-token=env://AWS_SESSION_TOKEN --region=us-east-1 --endpoint-url="$REHEARSAL_AWS_ENDPOINT")
# The real stacks, through the offline AWS provider (a stand-in serving hashicorp/aws's published
# schema; docs/rehearsal.md says what it cannot tell). State in moto's S3, locked as the default
# setup locks it: S3 objects next to each state (use_lockfile), the deploy lock too. The optional
# DynamoDB lock table (older setups) runs in the cases that name it (DEPLOY_TABLE), each stopping
# before any apply: a deploy applying beside another in moto's DynamoDB now and then saw its own
# lock's conditional PutItem or DeleteItem refused (stops 20 and 22's verification; S3 locks, taken
# by the same runs, never were).
OFFLINE_AWS=6.47.0
OFFLINE=(with-offline-provider --version="$OFFLINE_AWS" --values="$TMP/offline-values.json")
# The rehearsal's environment: the account above, its state in moto's S3, Slack to the recorder.
# The freeze is judged at a fixed time outside every window of the catalogue (with-clock), so the
# rehearsal does not depend on the hour CI runs at; FROZEN is inside the window of drop nn-d1.
CALM=2026-12-01T12:00:00+01:00
FROZEN=2026-12-03T23:30:00+01:00
WHERE=(environment --name=rehearsal --state-bucket=eventmall-rehearsal-state)
STACK=("${WHERE[@]}" stack)
SLACK=(--slack-token=env://SLACK_TOKEN --slack-channel=#drops with-slack-api --url="$REHEARSAL_SLACK_API")
ENV=("${AWS[@]}" "${OFFLINE[@]}" "${WHERE[@]}" "${SLACK[@]}" with-clock --now="$CALM")
ENV_TABLE=("${AWS[@]}" "${OFFLINE[@]}" "${WHERE[@]}" --lock-table=eventmall-rehearsal-locks "${SLACK[@]}" with-clock --now="$CALM")
DEPLOY=("${ENV[@]}" deploy)
DEPLOY_TABLE=("${ENV_TABLE[@]}" deploy)
DEPLOY_FROZEN=("${AWS[@]}" "${OFFLINE[@]}" "${WHERE[@]}" "${SLACK[@]}" with-clock --now="$FROZEN" deploy)
# What a deploy refused by the lock says to run (with the environment's arguments).
UNLOCK_HINT='environment --name=rehearsal --state-bucket=eventmall-rehearsal-state unlock --run-id'
UNLOCK_HINT_TABLE='environment --name=rehearsal --state-bucket=eventmall-rehearsal-state --lock-table=eventmall-rehearsal-locks unlock --run-id'

echo "== a deploy before base is bootstrapped: refused"
# base is the administrator's (a deploy never applies it): bootstrap it first, as docs/getting-started.md says.
if dc deploy-before-base "${DEPLOY[@]}"; then die "deploy applied an unbootstrapped base"; fi
grep -q 'apply base as an administrator' "$LOGS/deploy-before-base.err" || { show deploy-before-base; die "deploy did not refuse base's changes by name"; }
grep -qE '^apply base ' "$LOGS/deploy-before-base.out" && die "an apply of base ran"
ok "deploy refused base's changes by name (apply base as an administrator); no apply of base ran"

# The engine every Terraform stage runs: the one pin (.dagger/tfengine/engine.json), here the
# air-gapped mirror's image of it.
ENGINE_LABEL=$(GOFLAGS=-buildvcs=false go run ./.dagger/tfengine/cmd/tfengine label)
ENGINE_IMAGE=$(GOFLAGS=-buildvcs=false go run ./.dagger/tfengine/cmd/tfengine image)
ENGINE_BIN=$(GOFLAGS=-buildvcs=false go run ./.dagger/tfengine/cmd/tfengine binary)
ENGINE_LINE="$ENGINE_LABEL (image $ENGINE_IMAGE)"
echo "== the engine: $ENGINE_LINE"
expect_ok engine engine
grep -qxF "$ENGINE_LINE" "$LOGS/engine.out" || { show engine; die "the module does not run $ENGINE_LINE"; }
expect_ok stage-version "${AWS[@]}" "${OFFLINE[@]}" "${STACK[@]}" --name=base container with-exec --args="$ENGINE_BIN,version" stdout
[ "$(head -n 1 "$LOGS/stage-version.out")" = "$ENGINE_LABEL" ] || { show stage-version; die "a stack's stage does not run $ENGINE_LABEL"; }
ok "engine: $(cat "$LOGS/engine.out"); a stack's stage prints $(head -n 1 "$LOGS/stage-version.out")"

echo "== terraform, one stack alone: the administrator bootstraps the real base stack (saved plan, apply of that plan, state in S3 (moto), locked by S3 lock objects)"
echo "   (offline provider (schema of hashicorp/aws $OFFLINE_AWS), $ENGINE_LABEL)"
expect_ok plan-base "${AWS[@]}" "${OFFLINE[@]}" "${STACK[@]}" --name=base plan summary
grep -qE '^\+[1-9][0-9]* ~0 -0$' "$LOGS/plan-base.out" || { show plan-base; die "first plan of base should only add"; }
expect_ok plan-base-file "${AWS[@]}" "${OFFLINE[@]}" "${STACK[@]}" --name=base plan file export --path="$TMP/base.tfplan"
expect_ok apply-base "${AWS[@]}" "${OFFLINE[@]}" "${STACK[@]}" --name=base plan apply
grep -q '"deployer_role_arn"' "$LOGS/apply-base.out" || { show apply-base; die "apply of base returned no outputs"; }
grep -q '"arn:aws:iam::123456789012:role/' "$LOGS/apply-base.out" || { show apply-base; die "base outputs are not shaped like AWS's (moto's account)"; }
expect_ok replan-base "${AWS[@]}" "${OFFLINE[@]}" "${STACK[@]}" --name=base plan summary
grep -qx '+0 ~0 -0' "$LOGS/replan-base.out" || { show replan-base; die "base should have no changes after apply"; }
probe state-exists base >/dev/null || die "no state object in the S3 backend"
ok "real base: plan ($(cat "$LOGS/plan-base.out")) → apply of that plan → re-plan +0 ~0 -0; state at s3://eventmall-rehearsal-state/rehearsal/base.tfstate"
if dc undeclared-input "${AWS[@]}" "${OFFLINE[@]}" "${STACK[@]}" --name=edge with-inputs --inputs='{"no_such_variable": 1}' plan summary; then
  die "an undeclared input was accepted"
fi
grep -q 'stack edge does not declare the variables no_such_variable' "$LOGS/undeclared-input.err" || die "an undeclared input is not named"
ok "an undeclared input fails by name"

echo "== publish-backend: ECR auth via moto, push to the local registry behind the immutable-tag front (ECR stand-in)"
REPO="$REHEARSAL_REGISTRY/rehearsal/eventmall-backend"
expect_ok publish "${AWS[@]}" publish-backend --repository-url="$REPO"
REF=$(tail -1 "$LOGS/publish.out")
[[ "$REF" =~ ^$REPO@sha256:[0-9a-f]{64}$ ]] || die "publish returned $REF"
curl -fsS -o /dev/null -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
  "http://$EVENTMALL_REGISTRY/v2/rehearsal/eventmall-backend/manifests/${REF#*@}" || die "the registry does not have $REF"
ok "published $REF"
# The front enforces ECR's immutable tags: a push to an existing tag is refused, even of the same image.
TAG=$(curl -fsS "http://$EVENTMALL_REGISTRY/v2/rehearsal/eventmall-backend/tags/list" | "$REHEARSAL_PYTHON" -c 'import json,sys; print(sorted(t for t in json.load(sys.stdin)["tags"] if t.startswith("img-"))[0])')
if dagger --progress=plain core container from --address=debian:bookworm-slim publish --address="$REPO:$TAG" \
    >"$LOGS/push-existing-tag.out" 2>"$LOGS/push-existing-tag.err"; then
  die "the registry front accepted a push to the existing tag $TAG"
fi
grep -q "cannot be overwritten because the repository is immutable" "$LOGS/push-existing-tag.err" || { show push-existing-tag; die "the refusal does not say why"; }
ok "a push to the existing tag $TAG is refused, as ECR refuses it"
expect_ok publish-again "${AWS[@]}" publish-backend --repository-url="$REPO"
[ "$(tail -1 "$LOGS/publish-again.out")" = "$REF" ] || { show publish-again; die "an unchanged publish returned another reference"; }
ok "an unchanged publish pushes nothing and returns the existing $REF"

echo "== sync-frontend: S3 upload with headers, CloudFront invalidation (the tests module, against the module's moto)"
# .dagger/tests syncs a site three times and reads each sync report field by field.
expect_ok sync-frontend -m .dagger/tests sync-frontend
ok "sync-frontend: everything uploaded, then nothing, then one changed file with its paths and a stale page invalidated (waited for) and the page pruned; no-cache and immutable headers"

echo "== deploy rehearsal: the whole chain against moto"
: >"$REHEARSAL_SLACK_RECORD"
expect_ok deploy "${DEPLOY[@]}"
cat "$LOGS/deploy.out"
grep -q "Terraform ran against the offline provider (schema of hashicorp/aws $OFFLINE_AWS)" "$LOGS/deploy.out" || die "the deploy report does not name the offline provider"
grep -qxF "Stacks run by $ENGINE_LINE." "$LOGS/deploy.out" || die "the deploy report does not name the engine ($ENGINE_LINE)"
grep -E '^(plan|apply) (network|edge|data|service) ' "$LOGS/deploy.out" | grep -vF " by $ENGINE_LINE" && die "a plan or apply line does not name the engine"
grep -qE "^plan base .*succeeded .*\+0 ~0 -0 \(offline provider" "$LOGS/deploy.out" || die "deploy report: base (applied by the administrator) should plan +0 ~0 -0"
for s in network edge data service; do
  grep -qE "^plan $s .*succeeded .*\+[1-9][0-9]* ~0 -0 \(offline provider" "$LOGS/deploy.out" || die "deploy report: plan $s does not show its real resource counts"
done
probe edge-has-network-outputs || die "edge was not given network's outputs"
for stage in freeze test-backend test-frontend "apply service" publish-backend sync-frontend db-release ecs-stand-in wait-service-stable smoke-test; do
  grep -q "^$stage .*succeeded" "$LOGS/deploy.out" || die "deploy report lacks a successful $stage"
done
# The service as deployed: the stand-in ran the task definition terraform applied (its image is
# the one just published), db-release loaded schema and catalogue, and the shop answers through
# the edge stand-in with today's drop, a product and the published image.
grep -qE '^db-release .*succeeded' "$LOGS/deploy.out" || die "db-release did not run"
grep -qE '^db-release .*as the migrator: db-release.js: .*grant-app-user.js: .*session-keys.js: ' "$LOGS/deploy.out" || die "the release did not run db-release, grant-app-user and session-keys as the migrator"
# The service runs as the least-privilege app user with its own session keys: both secrets are
# created empty (as the stacks create them) and the release wrote them; the values are never printed.
probe release-secrets "$TMP/moto.json" || die "the release did not write the app user's secret and the session key"
# The rush sizing (terraform/modules/rush) ran on what the pipeline passed: the environment's
# expected peak and backend/bench/capacity.json. The rehearsal's peak (1,000/s) is within what the
# rush floor serves (terraform/policy's sizing test holds that), so the waiting room is off, and
# the task definition terraform applied says so.
probe waiting-room-off || die "the task definition does not carry the rush sizing's waiting-room switch"
grep -qE '^wait-service-stable .*PRIMARY, rollout COMPLETED' "$LOGS/deploy.out" || die "the rollout was not verified"
grep -qE '^smoke-test .*drops/current: event .*running the published image' "$LOGS/deploy.out" || die "the smoke test did not check the drop and the image"
probe slack-deploy-succeeded "$REHEARSAL_SLACK_RECORD" || die "Slack thread of the deploy is wrong"
ok "deploy rehearsal green; Slack thread recorded"

echo "== deploy lock: an S3 object next to the state (conditional writes), released after a deploy; a deploy while another holds it is refused naming the holder; the environment's unlock"
LOCK_OBJECT=s3://eventmall-rehearsal-state/rehearsal/eventmall-deploy.lock
lock_object() { probe deploy-lock-object "$1"; } # put (a deploy running elsewhere) | absent
lock_item() { probe deploy-lock-item "$1"; } # put (a deploy elsewhere that passes the table) | absent
lock_object absent || die "the deploy lock was not released after the deploy"
lock_item absent || die "a deploy without a lock table wrote the table's deploy lock"
lock_object put
if dc deploy-locked "${DEPLOY[@]}"; then die "a deploy ran while another held the deploy lock"; fi
grep -q 'another deploy of rehearsal holds the deploy lock: run rehearsal-other by another-deploy@rehearsal' "$LOGS/deploy-locked.err" \
  && grep -q "$UNLOCK_HINT=rehearsal-other" "$LOGS/deploy-locked.err" \
  || { show deploy-locked; die "the refused deploy does not name the lock's holder and how to unlock it"; }
grep -qE '^(plan|apply) ' "$LOGS/deploy-locked.out" && die "a terraform stage ran without the deploy lock"
expect_ok unlock "${ENV[@]}" unlock --run-id=rehearsal-other
grep -qF "released the deploy lock of rehearsal held by run rehearsal-other (another-deploy@rehearsal)" "$LOGS/unlock.out" && grep -qF "($LOCK_OBJECT)" "$LOGS/unlock.out" \
  || { show unlock; die "unlock did not say whose lock it released"; }
lock_object absent || die "unlock left the lock object"
ok "deploy lock ($LOCK_OBJECT): released after the deploy; the second deploy refused naming run rehearsal-other; the environment's unlock released it"

echo "== deploy lock in the optional DynamoDB table: refused while held, naming the holder; unlock of the environment with the table"
lock_item put
if dc deploy-locked-table "${DEPLOY_TABLE[@]}"; then die "a deploy with a lock table ran while another held the table's deploy lock"; fi
grep -q 'another deploy of rehearsal holds the deploy lock: run rehearsal-other by another-deploy@rehearsal' "$LOGS/deploy-locked-table.err" \
  && grep -q "$UNLOCK_HINT_TABLE=rehearsal-other" "$LOGS/deploy-locked-table.err" \
  || { show deploy-locked-table; die "the refused deploy (lock table) does not name the holder and how to unlock it"; }
grep -qE '^(plan|apply) ' "$LOGS/deploy-locked-table.out" && die "a terraform stage ran without the deploy lock (lock table)"
expect_ok unlock-table "${ENV_TABLE[@]}" unlock --run-id=rehearsal-other
grep -q 'released the deploy lock of rehearsal held by run rehearsal-other (another-deploy@rehearsal)' "$LOGS/unlock-table.out" \
  && grep -qF '(item eventmall-deploy/rehearsal of table eventmall-rehearsal-locks)' "$LOGS/unlock-table.out" \
  || { show unlock-table; die "unlock (lock table) did not say whose lock it released"; }
lock_item absent || die "unlock (lock table) left the lock"
ok "deploy lock in the table: the deploy refused naming run rehearsal-other; unlock released it"

echo "== two deploys of the unchanged source start together (--full-plan): one takes the deploy lock, the other refuses naming its holder"
: >"$REHEARSAL_SLACK_RECORD"
dc deploy-together-a "${DEPLOY[@]}" --full-plan --run-id=rehearsal-together-a & PID_A=$!
dc deploy-together-b "${DEPLOY[@]}" --full-plan --run-id=rehearsal-together-b & PID_B=$!
rc_a=0; wait "$PID_A" || rc_a=$?
rc_b=0; wait "$PID_B" || rc_b=$?
if [ "$rc_a" = 0 ] && [ "$rc_b" != 0 ]; then won=a lost=b
elif [ "$rc_b" = 0 ] && [ "$rc_a" != 0 ]; then won=b lost=a
else show deploy-together-a; show deploy-together-b; die "two deploys started together: want exactly one to pass, exits $rc_a and $rc_b"; fi
grep -q 'deploy failed at stage deploy-lock' "$LOGS/deploy-together-$lost.err" \
  && grep -q "another deploy of rehearsal holds the deploy lock: run rehearsal-together-$won by " "$LOGS/deploy-together-$lost.err" \
  && grep -q "$UNLOCK_HINT=rehearsal-together-$won" "$LOGS/deploy-together-$lost.err" \
  || { show "deploy-together-$lost"; die "the second deploy does not refuse naming the holder (run rehearsal-together-$won)"; }
grep -qE '^(plan|apply) [a-z]+ ' "$LOGS/deploy-together-$lost.err" && die "the refused deploy ran a terraform stage"
grep -qE "^deploy-lock .*succeeded .*run rehearsal-together-$won \($LOCK_OBJECT\)" "$LOGS/deploy-together-$won.out" "$LOGS/deploy-together-$won.err" \
  || { show "deploy-together-$won"; die "the deploy that ran did not take $LOCK_OBJECT"; }
grep -q "^smoke-test .*succeeded" "$LOGS/deploy-together-$won.out" || die "the deploy holding the lock did not finish"
lock_object absent || die "the deploy lock was not released after the two deploys"
# The one that ran is an unchanged deploy: every real stack plans +0 ~0 -0, the immutable registry keeps the image.
W="$LOGS/deploy-together-$won.out"
cat "$W"
for s in base network edge data service; do
  grep -qE "^plan $s .*succeeded .*\+0 ~0 -0 \(offline provider" "$W" || die "unchanged deploy: plan $s is not +0 ~0 -0"
  grep -qE "^apply $s .*no changes, nothing applied" "$W" || die "unchanged deploy: $s was applied again"
done
grep -qE '^publish-backend .*succeeded .*not pushed' "$W" || die "an unchanged deploy pushed again"
grep -q '^smoke-test .*succeeded' "$W" || die "the unchanged deploy's smoke test did not pass"
ok "unchanged deploy: +0 ~0 -0 for base, network, edge, data and service; nothing applied; nothing pushed; smoke test passed"
ok "two deploys together: rehearsal-together-$won took $LOCK_OBJECT and passed; rehearsal-together-$lost refused at deploy-lock naming it, ran no terraform"

echo "== two deploys with the lock table start together: one takes the table's deploy lock, the other refuses naming its holder"
# base was bootstrapped without a table (lock_table_name empty): a deploy passing one plans base's
# DynamoDB grants in (its state lock taken in the table: the engine's S3 backend with
# dynamodb_table), and that base change stops it at plan base (an environment's deploys all pass the
# table or none do; switching is the administrator's apply of base). Nothing is applied.
: >"$REHEARSAL_SLACK_RECORD"
dc deploy-table-a "${DEPLOY_TABLE[@]}" --full-plan --run-id=rehearsal-table-a & PID_A=$!
dc deploy-table-b "${DEPLOY_TABLE[@]}" --full-plan --run-id=rehearsal-table-b & PID_B=$!
rc_a=0; wait "$PID_A" || rc_a=$?
rc_b=0; wait "$PID_B" || rc_b=$?
if grep -q 'deploy failed at stage deploy-lock' "$LOGS/deploy-table-b.err" && ! grep -q 'deploy failed at stage deploy-lock' "$LOGS/deploy-table-a.err"; then won=a lost=b
elif grep -q 'deploy failed at stage deploy-lock' "$LOGS/deploy-table-a.err" && ! grep -q 'deploy failed at stage deploy-lock' "$LOGS/deploy-table-b.err"; then won=b lost=a
else show deploy-table-a; show deploy-table-b; die "two deploys with the table started together: want exactly one refused at deploy-lock (exits $rc_a, $rc_b)"; fi
grep -q "another deploy of rehearsal holds the deploy lock: run rehearsal-table-$won by " "$LOGS/deploy-table-$lost.err" \
  && grep -q "$UNLOCK_HINT_TABLE=rehearsal-table-$won" "$LOGS/deploy-table-$lost.err" \
  || { show "deploy-table-$lost"; die "the second deploy (lock table) does not refuse naming the holder (run rehearsal-table-$won)"; }
grep -qE '^(plan|apply) [a-z]+ ' "$LOGS/deploy-table-$lost.err" && die "the refused deploy (lock table) ran a terraform stage"
grep -qE "^deploy-lock .*succeeded .*run rehearsal-table-$won \(item eventmall-deploy/rehearsal of table eventmall-rehearsal-locks\)" "$LOGS/deploy-table-$won.err" "$LOGS/deploy-table-$won.out" \
  || { show "deploy-table-$won"; die "the deploy with the table did not take the table's deploy lock"; }
grep -q 'deploy failed at stage plan base' "$LOGS/deploy-table-$won.err" && grep -q 'apply base as an administrator' "$LOGS/deploy-table-$won.err" \
  || { show "deploy-table-$won"; die "the deploy with the table did not stop at base's lock_table_name change"; }
grep -qE '^apply [a-z]+ ' "$LOGS/deploy-table-$won.err" && die "a deploy with the table applied a stack"
lock_item absent || die "the table's deploy lock was not released after the two deploys"
lock_object absent || die "a deploy with the table wrote the S3 deploy lock object"
probe table-locks-free || die "a state lock of the table deploys is still held"
ok "two deploys with the table: rehearsal-table-$won took the table's lock (then stopped at plan base: base lacks the table's grants), rehearsal-table-$lost refused at deploy-lock naming it; nothing held in the table"

echo "== and again without --full-plan: every stack skipped, the reason named"
expect_ok deploy-unchanged "${DEPLOY[@]}"
for st in base network edge data service; do
  grep -qE "^plan $st .*skipped: code, inputs and state unchanged since deploy [0-9TZ-]+" "$LOGS/deploy-unchanged.out" \
    || { show deploy-unchanged; die "an unchanged deploy re-planned $st instead of naming why it skipped it"; }
done
grep -qE '^(apply|parity) ' "$LOGS/deploy-unchanged.out" && die "an unchanged deploy applied a stack"
unchanged_checks() { # what an unchanged deploy leaves out, each naming why (the report in $1)
  grep -qE '^db-release .*skipped: the service is unchanged since deploy [0-9A-Za-z-]+, whose db-release of this image the database holds' "$1" \
    || { echo "an unchanged deploy ran db-release again"; return 1; }
  grep -qE '^ecs-stand-in .*nothing to roll out \(service unchanged since deploy [0-9A-Za-z-]+\)' "$1" || { echo "an unchanged deploy rolled the service out again"; return 1; }
  grep -qE '^screenshot .*skipped: the service and index.html are those of deploy [0-9A-Za-z-]+' "$1" || { echo "an unchanged deploy took the screenshots again"; return 1; }
}
why=$(unchanged_checks "$LOGS/deploy-unchanged.out") || { show deploy-unchanged; die "$why"; }
grep -q '^smoke-test .*succeeded' "$LOGS/deploy-unchanged.out" || die "the unchanged deploy's smoke test did not pass"
ok "unchanged deploy: $(grep -E '^plan base ' "$LOGS/deploy-unchanged.out" | grep -oE 'skipped: .* since deploy [^;]+')"

site_index() { probe site-index; }
# The image digests the service stack's state holds (exactly one).
service_image() { probe service-image; }
echo "== the catalogue's fast path: a catalogue-only change goes live with no image built or pushed and no rollout"
# A merchandiser's commit: one price, nothing else (a copy of the tree; its code digest is the source's).
copy_source "$TMP/catalogue-only"
"$REHEARSAL_PYTHON" ci/rehearsal/edit_catalog.py "$TMP/catalogue-only/backend/catalog" --add-cents=100 >/dev/null
catalogue_objects() { probe catalogue-objects; }
ecs_task_definition() { probe ecs-task-definition; }
registry_tags() { curl -fsS "http://$EVENTMALL_REGISTRY/v2/rehearsal/eventmall-backend/tags/list"; }
image_before=$(service_image); td_before=$(ecs_task_definition); tags_before=$(registry_tags); objects_before=$(catalogue_objects)
expect_ok deploy-catalogue --source="$TMP/catalogue-only" "${DEPLOY[@]}"
cat "$LOGS/deploy-catalogue.out"
C="$LOGS/deploy-catalogue.out"
grep -qE '^changes .*catalogue only: the code is that of deploy [0-9A-Za-z-]+, the catalogue changed' "$C" || { show deploy-catalogue; die "the changes stage did not choose the catalogue's fast path"; }
for st in test-backend test-frontend terraform-policy build-frontend backend-image sync-frontend publish-backend db-release; do
  grep -qE "^$st .*skipped: catalogue-only change; " "$C" || { show deploy-catalogue; die "a catalogue-only deploy ran $st instead of naming why it skipped it"; }
done
for st in base network edge data service; do
  grep -qE "^plan $st .*skipped: code, inputs and state unchanged since deploy" "$C" || die "a catalogue-only deploy planned $st"
done
grep -qE '^(apply|parity) ' "$C" && die "a catalogue-only deploy applied a stack"
grep -qE '^validate-catalog +succeeded' "$C" || die "validate-catalog did not run"
grep -qE '^publish-catalogue +succeeded .*s3://eventmall-rehearsal-state/rehearsal/catalogue/[0-9a-f]{64}\.json' "$C" || die "the catalogue was not published"
grep -qE "^load-catalogue +succeeded .*in the running image .*/eventmall-backend@sha256:[0-9a-f]{64}, as the migrator: object sha256 [0-9a-f]{12} loaded \(1 events, 4 drops; products [1-9][0-9]* updated" "$C" \
  || { show deploy-catalogue; die "load-catalogue did not load the object in the running image"; }
grep -qE '^ecs-stand-in .*nothing to roll out' "$C" || die "a catalogue-only deploy rolled the service out"
grep -qE "^smoke-test +succeeded .*through the edge stand-in: .*at the catalogue's prices.*all [0-9]+ live products at the catalogue's prices" "$C" || die "the smoke test did not check the new prices through the edge stand-in"
[ "$(service_image)" = "$image_before" ] && [ "$(ecs_task_definition)" = "$td_before" ] || die "the service's image or task definition changed"
[ "$(registry_tags)" = "$tags_before" ] || die "an image was pushed by a catalogue-only deploy"
probe catalogue-published "$TMP/catalogue-only/backend/catalog" || die "the published object is not the new catalogue named by its sha256"
expect_ok history-catalogue "${ENV[@]}" history --as-json
"$REHEARSAL_PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; assert r["mode"]=="catalogue-only" and r["outcome"]=="succeeded" and r["catalogueObject"].startswith("s3://eventmall-rehearsal-state/rehearsal/catalogue/") and r["image"]==sys.argv[2] and r["site"]["indexVersionId"], r' \
  "$LOGS/history-catalogue.out" "$image_before" || { show history-catalogue; die "the history record of the catalogue-only deploy lacks its mode, object, image or site"; }
ok "catalogue-only: validate-catalog, publish-catalogue, load-catalogue in the running image; no test, build, push, sync, db-release or rollout, each naming why; new prices live through the edge stand-in"

# An invalid catalogue: stopped at validate-catalog naming the field; nothing published, locked or planned.
copy_source "$TMP/catalogue-bad"
"$REHEARSAL_PYTHON" ci/rehearsal/edit_catalog.py "$TMP/catalogue-bad/backend/catalog" --set-price-cents=-5 >/dev/null
objects_before=$(catalogue_objects)
if dc deploy-catalogue-bad --source="$TMP/catalogue-bad" "${DEPLOY[@]}"; then die "a catalogue-only deploy of an invalid catalogue passed"; fi
grep -q 'deploy failed at stage validate-catalog' "$LOGS/deploy-catalogue-bad.err" && grep -q 'priceCents' "$LOGS/deploy-catalogue-bad.err" \
  || { show deploy-catalogue-bad; die "the invalid catalogue did not stop the deploy at validate-catalog naming priceCents"; }
grep -qE '^(deploy-lock|plan [a-z]+|publish-catalogue|load-catalogue) +succeeded' "$LOGS/deploy-catalogue-bad.err" && die "a stage after validate-catalog ran"
[ "$(catalogue_objects)" = "$objects_before" ] || die "an invalid catalogue was published"
lock_object absent || die "the invalid catalogue's deploy left a deploy lock"
ok "an invalid catalogue stops at validate-catalog naming priceCents: nothing published, locked or planned"

# And back to the source's own catalogue, the same way (the rest of this test deploys the source).
expect_ok deploy-catalogue-back "${DEPLOY[@]}"
grep -qE '^changes .*catalogue only: ' "$LOGS/deploy-catalogue-back.out" && grep -qE '^load-catalogue +succeeded' "$LOGS/deploy-catalogue-back.out" \
  || { show deploy-catalogue-back; die "the source's catalogue did not go back the fast way"; }
ok "the source's catalogue back, catalogue-only again"
wall() { cat "$LOGS/$1.secs"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
echo "  WALL TIMES (one run, one emulator; cold = the environment's first deploy, engine cache not purged):"
echo "    cold $(wall deploy) s; unchanged $(wall deploy-unchanged) s ($(pct "$(wall deploy-unchanged)" "$(wall deploy)") % of cold);" \
     "catalogue-only $(wall deploy-catalogue) s ($(pct "$(wall deploy-catalogue)" "$(wall deploy)") % of cold), and back $(wall deploy-catalogue-back) s"

echo "== release safety: history, drift, preflight (plan parity and rollback: with the source copies below)"
expect_ok history-1 "${ENV[@]}" history --as-json
FIRST_ID=$("$REHEARSAL_PYTHON" -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; assert r["kind"]=="deploy" and r["outcome"]=="succeeded", r; assert r["image"] and r["site"]["indexVersionId"] and r["revision"], r; assert any(s["name"]=="freeze" for s in r["stages"]) and all(st in r["plans"] for st in ("base","network","edge","data","service")), r; print(r["id"])' "$LOGS/history-1.out") \
  || { show history-1; die "the deploy left no complete history record"; }
FIRST_IMAGE=$(service_image); site_index >"$TMP/index-1.html"
grep -qF "\"image\": \"$FIRST_IMAGE\"" "$LOGS/history-1.out" || die "the history record's image is not the one the service stack holds ($FIRST_IMAGE)"
ok "history: deploy $FIRST_ID recorded next to the state (image, index.html version, stages, a plan per graph stack)"

DRIFT=("${ENV[@]}" drift)
: >"$REHEARSAL_SLACK_RECORD"
expect_ok drift-clean "${DRIFT[@]}"
grep -q '^no drift in rehearsal' "$LOGS/drift-clean.out" || { show drift-clean; die "a clean environment reports drift"; }
grep -q 'no drift in rehearsal' "$REHEARSAL_SLACK_RECORD" || die "drift posted nothing to Slack"
EDITED=$(probe edit-behind-pipeline) || die "could not edit the site and the scaling behind the pipeline's back"
: >"$REHEARSAL_SLACK_RECORD"
if dc drift-dirty "${DRIFT[@]}"; then die "drift missed an object edited behind the pipeline's back"; fi
grep -qF "site: $EDITED differs from the build" "$LOGS/drift-dirty.err" && grep -qF 'scaling: no scheduled action at cron(40 23 * * ? *): the scale-out before midnight is missing' "$LOGS/drift-dirty.err" \
  || { show drift-dirty; die "drift does not name the edited object and the deleted scheduled action"; }
grep -q 'drift in rehearsal: 2 finding' "$REHEARSAL_SLACK_RECORD" || die "drift's findings were not posted to Slack"
ok "drift: a clean run reports nothing; $EDITED edited behind the pipeline's back and the deleted scale-out are named (Slack too)"

# preflight: on top of that drift, the alarm topic's subscriber gone and the deploy lock held.
PREFLIGHT=("${ENV[@]}" preflight --drop=2026-12-04)
probe drop-alarm-subscribers
lock_object put
# and a state lock held as an S3 object (use_lockfile), as a run elsewhere planning network leaves it
state_lock_object() { probe state-lock-object "$1"; }
state_lock_object put
: >"$REHEARSAL_SLACK_RECORD"
if dc preflight-nogo "${PREFLIGHT[@]}"; then die "preflight said go with drift, no alarm subscriber and a deploy lock held"; fi
for line in "NO-GO +scheduled scaling +scaling: no scheduled action at cron\(40 23" "NO-GO +alarm subscriber +no subscriber on arn:aws:sns:us-east-1:[0-9]+:eventmall-rehearsal-alarms" \
            "NO-GO +no drift +site: $EDITED differs" "NO-GO +no deploy lock +held: s3://eventmall-rehearsal-state/rehearsal/eventmall-deploy.lock \(run rehearsal-other by another-deploy@rehearsal[^)]*\), s3://eventmall-rehearsal-state/rehearsal/network.tfstate.tflock" \
            "go +drop in catalogue +drop nn-d1" "go +freeze in place " "go +running = last deploy " \
            "preflight rehearsal, drop 2026-12-04: NO-GO \(visible publicly, scheduled scaling, alarm subscriber, no drift, no deploy lock\)"; do
  grep -qE "$line" "$LOGS/preflight-nogo.err" || { show preflight-nogo; die "preflight's table lacks: $line"; }
done
grep -q 'NO-GO (visible publicly, scheduled scaling' "$REHEARSAL_SLACK_RECORD" || die "the preflight table was not posted to Slack"
# The repairs: the site synced again, the action and the subscriber back, the lock released.
expect_ok sync-restore "${AWS[@]}" sync-frontend --bucket=eventmall-rehearsal-site --distribution-id="$DIST" summary
"$REHEARSAL_PYTHON" ci/rehearsal/moto_setup.py "$REHEARSAL_AWS_ENDPOINT" "$REHEARSAL_REGISTRY" "$ROOT" >/dev/null
expect_ok unlock-preflight "${ENV[@]}" unlock --run-id=rehearsal-other
state_lock_object delete
expect_ok preflight-go "${PREFLIGHT[@]}"
cat "$LOGS/preflight-go.out"
grep -q '^preflight rehearsal, drop 2026-12-04: GO$' "$LOGS/preflight-go.out" && grep -qE '^go +visible publicly +drop nn-d1 live at .* with its [0-9]+ products \(the edge stand-in\)' "$LOGS/preflight-go.out" \
  || { show preflight-go; die "preflight is not go after the repairs"; }
ok "preflight: each no-go names its line (scaling, alarm subscriber, drift, deploy lock and an S3 state lock object; visible not checked while locked); GO after the repairs, the drop visible through the edge stand-in"

echo "== freeze: a deploy inside a drop's freeze window stops before any terraform init"
: >"$REHEARSAL_SLACK_RECORD"
if dc deploy-frozen "${DEPLOY_FROZEN[@]}"; then die "a deploy inside a freeze window passed"; fi
grep -q 'deploy failed at stage freeze' "$LOGS/deploy-frozen.err" && grep -q 'deploys are frozen at 2026-12-03 23:30 CET: drop nn-d1 (2026-12-04)' "$LOGS/deploy-frozen.err" \
  || { show deploy-frozen; die "the refused deploy does not name the freeze stage and window"; }
grep -q 'terraform init' "$LOGS/deploy-frozen.err" "$LOGS/deploy-frozen.out" && die "terraform init ran in a frozen deploy"
grep -qE '^(test-backend|plan base) ' "$LOGS/deploy-frozen.err" && die "a stage ran after the freeze refused the deploy"
grep -q 'freeze failed' "$REHEARSAL_SLACK_RECORD" || die "Slack was not told of the freeze"
ok "freeze: refused at stage freeze, window named, nothing else ran, Slack told"

# Cases that deploy a modified copy of the tree (plan parity's changed environment value, a second
# release and the rollback to the first, a crashing image, an empty database, a renamed module, a failing
# test): ci/test.sh --full (MODULE_TEST_SOURCE_COPIES=1). In default runs the engine served, three times,
# such a copy with an older tree's content (a package.json without a newer dependency twice, an older healthy image once), so the
# deploy ran what the copy does not hold; see docs/rehearsal.md.
if [ "${MODULE_TEST_SOURCE_COPIES:-0}" = 1 ]; then
echo "== plan parity (a copy with a changed environment value), a second release (a copy), rollback to the first"
expect_ok plan-reviewed "${ENV[@]}" plan
grep -q 'Plan fingerprints stored' "$LOGS/plan-reviewed.out" || { show plan-reviewed; die "plan stored no fingerprints"; }
copy_source "$TMP/changed-env"
"$REHEARSAL_PYTHON" - "$TMP/changed-env/terraform/environments/rehearsal.json" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p)); d.setdefault("extra_environment", {})["PARITY_PROBE"] = "changed after review"; json.dump(d, open(p, "w"), indent=2)
PY
if dc deploy-parity --source="$TMP/changed-env" "${DEPLOY[@]}"; then die "a deploy whose plan differs from the reviewed one applied"; fi
grep -q 'deploy failed at stage parity service' "$LOGS/deploy-parity.err" && grep -qE 'aws_ecs_task_definition\.[a-z_]+: [a-z,]+ with other values than reviewed' "$LOGS/deploy-parity.err" \
  || { show deploy-parity; die "plan parity did not stop the deploy naming the address"; }
grep -qE '^apply service ' "$LOGS/deploy-parity.err" && die "the service was applied despite the parity failure"
[ "$(service_image)" = "$FIRST_IMAGE" ] || die "the service stack changed despite the parity failure"
ok "plan parity: $(grep -oE 'aws_ecs_task_definition\.[a-z_]+: [a-z,]+ with other values than reviewed' "$LOGS/deploy-parity.err" | head -1) (stopped at parity service)"

copy_source "$TMP/release-2"
"$REHEARSAL_PYTHON" ci/rehearsal/edit_catalog.py "$TMP/release-2/backend/catalog" --add-cents=100 >/dev/null
sed -i 's#</head>#<meta name="eventmall-release" content="2"></head>#' "$TMP/release-2/frontend/index.html"
expect_ok deploy-release-2 --source="$TMP/release-2" "${DEPLOY_FROZEN[@]}" --break-glass="rehearsal: price fix during the rush"
grep -qE '^parity service .*succeeded .*matches the reviewed plan' "$LOGS/deploy-release-2.out" || { show deploy-release-2; die "release 2's service plan does not match the reviewed one (only the image differs)"; }
SECOND_IMAGE=$(service_image); site_index >"$TMP/index-2.html"
[ "$SECOND_IMAGE" != "$FIRST_IMAGE" ] && ! cmp -s "$TMP/index-1.html" "$TMP/index-2.html" || die "release 2 did not change the image and index.html"
ok "release 2 ($SECOND_IMAGE, break glass inside a freeze): plan parity matched, only the image differs"

# A rollback takes the deploy lock too: refused while another deploy holds it, before it reads the history.
lock_object put
if dc rollback-locked "${ENV[@]}" rollback; then die "a rollback ran while another deploy held the deploy lock"; fi
grep -q 'rollback failed at stage deploy-lock' "$LOGS/rollback-locked.err" \
  && grep -q 'another deploy of rehearsal holds the deploy lock: run rehearsal-other by another-deploy@rehearsal' "$LOGS/rollback-locked.err" \
  || { show rollback-locked; die "the rollback was not refused at deploy-lock naming the holder"; }
grep -qE '^(rollback-target|outputs|plan|apply) ' "$LOGS/rollback-locked.err" && die "the refused rollback ran a stage after the lock"
[ "$(service_image)" = "$SECOND_IMAGE" ] || die "the refused rollback changed the service stack"
expect_ok unlock-rollback "${ENV[@]}" unlock --run-id=rehearsal-other
ok "rollback refused at deploy-lock while run rehearsal-other held it; nothing read or applied"

: >"$REHEARSAL_SLACK_RECORD"
expect_ok rollback "${ENV[@]}" rollback
cat "$LOGS/rollback.out"
grep -q "restoring $FIRST_ID" "$LOGS/rollback.out" || { show rollback; die "rollback did not pick the deploy before the running one"; }
[ "$(service_image)" = "$FIRST_IMAGE" ] || die "rollback did not re-apply $FIRST_IMAGE to the service stack"
grep -qE "^smoke-test .*succeeded .*running the published image" "$LOGS/rollback.out" || die "the rolled-back shop did not pass the smoke test"
site_index >"$TMP/index-rolled.html"; cmp -s "$TMP/index-1.html" "$TMP/index-rolled.html" || die "rollback did not restore the previous index.html bytes"
tail -1 "$REHEARSAL_SLACK_RECORD" | grep -q 'eventmall rollback to rehearsal' || die "no rollback thread in Slack"
expect_ok history-2 "${ENV[@]}" history
head -2 "$LOGS/history-2.out" | grep -qE "rollback +succeeded .*restored $FIRST_ID" || { show history-2; die "the rollback is not in the history"; }
grep -q 'break glass: rehearsal: price fix during the rush' "$LOGS/history-2.out" && grep -q 'failed at parity service' "$LOGS/history-2.out" \
  || { show history-2; die "the history lacks the stopped or break-glass deploys"; }
cat "$LOGS/history-2.out"
ok "rollback: $FIRST_IMAGE re-applied, index.html restored byte for byte ($(wc -c <"$TMP/index-1.html") bytes), smoke-tested; history lists every run"

echo "== a rollout that ECS rolls back fails the deploy at wait-service-stable"
copy_source "$TMP/crashing"
# Starts only where the task definition says (EVENT_TIME_ZONE is set by the service stack alone),
# so the gate's tests pass and the new task crashes: the stand-in plays ECS's circuit breaker.
sed -i '1i if (process.env.EVENT_TIME_ZONE) { console.error("injected: the new image crashes at start"); process.exit(3); }' "$TMP/crashing/backend/src/server.js"
if dc deploy-rollback --source="$TMP/crashing" "${DEPLOY[@]}"; then die "a rolled-back deploy reported success"; fi
grep -q 'deploy failed at stage wait-service-stable' "$LOGS/deploy-rollback.err" || { show deploy-rollback; die "the rollback did not fail wait-service-stable"; }
grep -qE 'rolled back: the service runs [a-z-]+:[0-9]+, not the new [a-z-]+:[0-9]+' "$LOGS/deploy-rollback.err" \
  || { show deploy-rollback; die "the failure does not name both task definitions"; }
grep -q '^smoke-test .*succeeded' "$LOGS/deploy-rollback.out" "$LOGS/deploy-rollback.err" && die "the smoke test passed after a failed rollout"
ok "$(grep -oE 'rolled back: the service runs [^ ]+, not the new [^ ;]+' "$LOGS/deploy-rollback.err" | head -1)"

echo "== a release that leaves the database empty fails the deploy at smoke-test (issue 14, defect 1)"
copy_source "$TMP/nodb"
# Only in the task definition's configuration (EVENT_TIME_ZONE: the service stack's), so the gate's
# tests still run db-release: the release drops every table instead of migrating, and the deployed API
# runs on an empty database. (A release that merely does nothing would not do: the database stand-in
# keeps the last deploy's schema and catalogue, as Aurora does.)
python3 - "$TMP/nodb/backend/src/cli/db-release.js" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
anchor = "  for (let attempt = 1; ; attempt++) {"
assert anchor in s, "db-release.js has no retry loop to inject before"
inject = """  if (process.env.EVENT_TIME_ZONE) {
    const conn = await pool.getConnection();
    const [tables] = await conn.query('SHOW TABLES');
    await conn.query('SET FOREIGN_KEY_CHECKS = 0');
    for (const t of tables) await conn.query('DROP TABLE ??', [Object.values(t)[0]]);
    conn.release();
    log.info({ dropped: tables.length }, 'injected: db-release leaves the database empty');
    return;
  }
"""
open(p, "w").write(s.replace(anchor, inject + anchor, 1))
PY
if dc deploy-nodb --source="$TMP/nodb" "${DEPLOY[@]}"; then die "a deploy onto an empty database passed"; fi
grep -q 'deploy failed at stage smoke-test' "$LOGS/deploy-nodb.err" || { show deploy-nodb; die "the empty database was not caught by the smoke test"; }
grep -q 'drops/current' "$LOGS/deploy-nodb.err" || { show deploy-nodb; die "the smoke test's failure does not name GET /api/drops/current"; }
ok "empty database: $(grep -a 'deploy failed at stage smoke-test' "$LOGS/deploy-nodb.err" | head -1 | cut -c1-240)"

echo "== destroy guard: a plan deleting protected resources is refused, naming each --allow-destroy"
# A copy whose data stack calls its registry module by another name: terraform must delete the
# repository at the old address (a protected resource) and create one at the new.
copy_source "$TMP/guard"
sed -i 's/module "registry"/module "images"/; s/module\.registry\./module.images./g' "$TMP/guard/terraform/stacks/data/"*.tf
grep -q 'module "images"' "$TMP/guard/terraform/stacks/data/main.tf" || die "the guard copy was not made"
# The copy's docs follow its code (the gate's policy tests check the diagram and tables against it).
(cd "$TMP/guard" && UPDATE_TF_DOCS=1 go test ./terraform/policy/ >/dev/null 2>&1 || true)
if dc deploy-destroy --source="$TMP/guard" "${DEPLOY[@]}"; then die "a plan deleting a protected resource was applied"; fi
grep -q 'deploy failed at stage plan data' "$LOGS/deploy-destroy.err" \
  && grep -qF 'module.registry.aws_ecr_repository.this (delete)  --allow-destroy=data:module.registry.aws_ecr_repository.this' "$LOGS/deploy-destroy.err" \
  || { show deploy-destroy; die "the refusal does not name the repository and its --allow-destroy"; }
grep -qE '^apply data +succeeded' "$LOGS/deploy-destroy.err" && die "data was applied although its plan was refused"
ok "destroy guard: $(grep -oE 'module.registry.aws_ecr_repository.this \(delete\)  --allow-destroy=[^ ]+' "$LOGS/deploy-destroy.err" | head -1)"

echo "== failure injection: a failing backend test stops the chain"
copy_source "$TMP/failing"
python3 - "$TMP/failing/backend/package.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["scripts"]["test"] = "node -e \"console.error('injected failure: expected 10 units sold, got 11'); process.exit(1)\""
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
# Terraform state only: the failed deploy's history record lands in the same bucket.
state_versions() { probe state-versions; }
state_before=$(state_versions)
tags_before=$(curl -fsS "http://$EVENTMALL_REGISTRY/v2/rehearsal/eventmall-backend/tags/list")
: >"$REHEARSAL_SLACK_RECORD"
if dc deploy-failing --source="$TMP/failing" "${DEPLOY[@]}"; then die "deploy succeeded with a failing backend test"; fi
grep -q 'deploy failed at stage test-backend' "$LOGS/deploy-failing.err" || { show deploy-failing; die "the error does not name test-backend"; }
grep -q 'injected failure: expected 10 units sold, got 11' "$LOGS/deploy-failing.err" || die "the error does not show the failing test's output"
grep -qE '^(plan|apply) ' "$LOGS/deploy-failing.out" && die "a terraform stage ran after the failed test"
state_after=$(state_versions)
[ "$state_before" = "$state_after" ] || die "Terraform state changed after a failed test"
[ "$tags_before" = "$(curl -fsS "http://$EVENTMALL_REGISTRY/v2/rehearsal/eventmall-backend/tags/list")" ] || die "an image was published after a failed test"
probe slack-deploy-failed "$REHEARSAL_SLACK_RECORD" test-backend "injected failure" || die "Slack did not get the failure naming the stage"
ok "failed test-backend stopped deploy: no state change, no image pushed, Slack told with the log tail"

# The reviewed plan stored above is of the changed copy: a later deploy of the source would be held to it.
probe delete-reviewed-plans
fi
echo "== a sibling fails while an apply runs: the apply finishes and keeps its state, the locks are released, the next deploy passes"
# edge and data apply side by side. One leaf resource is taken out of each stack's state (as
# `terraform state rm` would), so both plan +1,
# and the offline provider's values file (faults) makes edge's apply slow and data's fail.
probe drop-leaf-resources || die "could not take the leaf resources out of the edge and data states"
"$REHEARSAL_PYTHON" - "$TMP/offline-values.json" "$TMP/offline-values-faults.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
v["faults"] = [{"type": "aws_s3_bucket_lifecycle_configuration", "delay_seconds": 90},
               {"type": "aws_ecr_lifecycle_policy", "delay_seconds": 45, "error": "injected by the module test: the API refused the lifecycle policy"}]
json.dump(v, open(sys.argv[2], "w"))
PY
FAULTY=()
for a in "${DEPLOY[@]}"; do FAULTY+=("${a/offline-values.json/offline-values-faults.json}"); done
if dc deploy-sibling "${FAULTY[@]}"; then die "a deploy whose data apply failed passed"; fi
grep -q 'deploy failed at stage apply data' "$LOGS/deploy-sibling.err" && grep -q 'injected by the module test' "$LOGS/deploy-sibling.err" \
  || { show deploy-sibling; die "the deploy did not fail at apply data naming the refused call"; }
grep -qE '^apply edge +succeeded .*\+1 ~0 -0 applied' "$LOGS/deploy-sibling.out" "$LOGS/deploy-sibling.err" \
  || { show deploy-sibling; die "edge's running apply did not finish when its sibling failed"; }
grep -qE '^apply service +succeeded' "$LOGS/deploy-sibling.out" "$LOGS/deploy-sibling.err" && die "a stage after the failure ran"
probe edge-applied-unlocked || die "edge's state or the locks are not as a finished apply leaves them"
expect_ok deploy-after-sibling "${DEPLOY[@]}"
grep -qE '^apply data +succeeded .*\+1 ~0 -0 applied' "$LOGS/deploy-after-sibling.out" || { show deploy-after-sibling; die "the next deploy did not apply data's remaining change"; }
grep -qE '^plan edge .*(\+0 ~0 -0|skipped)' "$LOGS/deploy-after-sibling.out" || { show deploy-after-sibling; die "the next deploy found edge's finished apply undone"; }
ok "sibling failure: apply data failed (injected), apply edge finished (+1) and kept its state, no lock held; the next deploy applied data's +1 and passed"

echo "== the README's first command: rehearse, in one call, nothing prepared on the host (read field by field by the tests module)"
# .dagger/tests calls rehearse through the module's API and checks its stages, Slack thread, image,
# screenshots and the shop it leaves; it returns the screenshots. Kept with the logs: the committed
# copies in docs/screenshots/rehearsal/ come from such a run.
SHOTS="$LOGS/screenshots"
rm -rf "$SHOTS"
expect_ok rehearse -m .dagger/tests rehearsal --registry="$EVENTMALL_REGISTRY" export --path="$SHOTS"
ok "rehearse deployed the real stacks against moto started as a service, every stage and Slack reply as expected, its shop reachable; drop page photographed through the edge stand-in: $(ls "$SHOTS" | tr '\n' ' ')"

echo "== canary secrets"
found=0
for f in "$LOGS"/*.out "$LOGS"/*.err "$REHEARSAL_SLACK_RECORD" "$TMP/backend-image.tar" "$TMP/base.tfplan"; do
  if grep -aqF -e "$CANARY_AWS" -e "$CANARY_SLACK" "$f"; then echo "  canary found in $f"; found=1; fi
done
docker logs "$(echo "$_EXPERIMENTAL_DAGGER_RUNNER_HOST" | sed 's#docker-container://##')" 2>&1 | grep -aqF -e "$CANARY_AWS" -e "$CANARY_SLACK" && { echo "  canary found in the engine's log"; found=1; }
[ "$found" = 0 ] || die "a secret leaked"
ok "the AWS secret key and Slack token canaries appear in no output, engine log, image or plan file"

bash ci/rehearsal/servers.sh stop
rm -rf "$TMP"
echo "module tests passed"
