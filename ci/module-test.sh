#!/usr/bin/env bash
# Real `dagger call`s of the module in the engine: each stage alone, the
# Terraform plan/apply plumbing, publish, sync + invalidation against moto,
# a full deploy rehearsal, the deploy's guards (base left to an administrator,
# the freeze, one deploy at a time: a held lock, two deploys started together,
# a sibling failing during an apply; the destroy guard), an injected failure,
# and a canary secret that must never show up. Needs the engine env: eval "$(go run ./ci/airgap env)".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGS=${LOGS:-$ROOT/.test-logs}/module
TMP=$(mktemp -d /tmp/eventmall-module-test.XXXXXX)
rm -rf "$LOGS"; mkdir -p "$LOGS"
: "${_EXPERIMENTAL_DAGGER_RUNNER_HOST:?no engine: eval \"\$(go run ./ci/airgap env)\" first}"
: "${EVENTMALL_REGISTRY:?no local registry address: eval \"\$(go run ./ci/airgap env)\" first}"
: "${REHEARSAL_API_HEALTH_URL:?/healthz URL of a running backend reachable from the engine (ci/test.sh starts one)}"

ok() { echo "  ok: $*"; }
die() { echo "  FAIL: $*" >&2; exit 1; }
# dc NAME ARGS...: one `dagger call`, its output kept in $LOGS/NAME.{out,err}.
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
dc() {
  local name=$1 t0 rc=0
  shift
  t0=$(date +%s.%N)
  dagger --progress=plain call "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err" || rc=$?
  printf '  %-28s %6s s%s\n' "$name" "$(elapsed "$t0")" "$([ $rc = 0 ] || echo " (exit $rc)")"
  return $rc
}
show() { echo "----- $1"; tail -n "${2:-40}" "$LOGS/$1.out" "$LOGS/$1.err"; }
expect_ok() { local name=$1; dc "$@" || { show "$name"; die "dagger call $name"; }; }
copy_source() { # copy_source DIR: a copy of the working tree, without build output
  mkdir -p "$1"
  tar -C "$ROOT" --exclude=node_modules --exclude=.git --exclude=dist --exclude=.terraform \
    --exclude=.test-logs --exclude=test-results --exclude=.dagger/internal -cf - . | tar -C "$1" -xf -
}

# Secrets used below: values that must never appear in any output, image or plan.
CANARY_AWS="canary-aws-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
CANARY_SLACK="xoxb-canary-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

echo "== module code and API"
dagger develop >"$LOGS/develop.log" 2>&1 || { tail -20 "$LOGS/develop.log"; die "dagger develop"; }
(cd .dagger && go vet ./...) || die "go vet of the module"
ok "dagger develop + go vet"
dagger functions >"$LOGS/functions.out" 2>"$LOGS/functions.err" || { show functions; die "dagger functions"; }
for fn in deploy plan check test-backend test-frontend build-frontend backend-image aws shop validate-catalog; do
  grep -qE "^$fn\b" "$LOGS/functions.out" || die "dagger functions lacks $fn"
done
grep -q "Deploy takes the shop from source to AWS" "$LOGS/functions.out" || grep -q "takes the shop from source" "$LOGS/functions.out" \
  || die "dagger functions shows no doc comments"
ok "dagger functions lists the stages with their docs"

echo "== stages, each alone"
expect_ok test-backend test-backend
ok "test-backend: npm test against MariaDB and memcached services"
expect_ok test-frontend test-frontend
ok "test-frontend"
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
expect_ok backend-image backend-image with-exec --args=id,-un stdout
grep -qx "node" "$LOGS/backend-image.out" || die "backend image does not run as user node"
expect_ok backend-image-export backend-image export --path="$TMP/backend-image.tar"
ok "backend-image runs as a non-root user; exported $(du -h "$TMP/backend-image.tar" | cut -f1)"

echo "== the README's first command: the whole shop as services, on localhost"
# The tool built once and run itself, not under `go run`: it execs dagger in
# its own process, so $! is the dagger CLI and killing it stops the shop
# (`go run` would leave its child serving after being killed).
go build -o "$TMP/airgap" ./ci/airgap
"$TMP/airgap" dagger --progress=plain call shop up --ports=18090:8080 >"$LOGS/shop.out" 2>"$LOGS/shop.err" &
SHOP_PID=$!
shop_ok=0
for _ in $(seq 1 150); do
  if curl -fsS http://127.0.0.1:18090/api/drops/current -o "$TMP/drop.json" 2>/dev/null \
     && curl -fsS http://127.0.0.1:18090/ -o "$TMP/index.html" 2>/dev/null; then shop_ok=1; break; fi
  kill -0 "$SHOP_PID" 2>/dev/null || break
  sleep 2
done
kill "$SHOP_PID" 2>/dev/null; wait "$SHOP_PID" 2>/dev/null || true
if pgrep -f -- "call shop up --ports=18090:8080" >/dev/null; then
  pgrep -af -- "call shop up --ports=18090:8080" >&2; die "a dagger process still serves the shop after the test stopped it"
fi
[ "$shop_ok" = 1 ] || { tail -30 "$LOGS/shop.err"; die "shop did not serve on localhost:18090"; }
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
"$REHEARSAL_PYTHON" ci/rehearsal/moto_setup.py "$REHEARSAL_AWS_ENDPOINT" "$EVENTMALL_REGISTRY" "$ROOT" >"$TMP/moto.json"
DIST=$("$REHEARSAL_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["edge"]["distribution_id"])' "$TMP/moto.json")
ok "moto resources created (distribution $DIST)"
AWS=(aws --access-key-id=env://AWS_ACCESS_KEY_ID --secret-access-key=env://AWS_SECRET_ACCESS_KEY
     --session-token=env://AWS_SESSION_TOKEN --region=us-east-1 --endpoint-url="$REHEARSAL_AWS_ENDPOINT")
STACK=(stack --state-bucket=eventmall-rehearsal-state --lock-table=eventmall-rehearsal-locks
       --environment=plumbing --stacks-path=terraform/fixtures/rehearsal)

echo "== terraform: saved plan, apply of that plan, state in S3 (moto) with DynamoDB locking"
expect_ok plan-base "${AWS[@]}" "${STACK[@]}" --name=base plan summary
grep -qE '^\+[1-9][0-9]* ~0 -0$' "$LOGS/plan-base.out" || { show plan-base; die "first plan of base should only add"; }
expect_ok plan-base-file "${AWS[@]}" "${STACK[@]}" --name=base plan file export --path="$TMP/base.tfplan"
expect_ok apply-base "${AWS[@]}" "${STACK[@]}" --name=base plan apply
grep -q '"deployer_role_arn"' "$LOGS/apply-base.out" || { show apply-base; die "apply of base returned no outputs"; }
expect_ok replan-base "${AWS[@]}" "${STACK[@]}" --name=base plan summary
grep -qx '+0 ~0 -0' "$LOGS/replan-base.out" || { show replan-base; die "base should have no changes after apply"; }
"$REHEARSAL_PYTHON" - "$REHEARSAL_AWS_ENDPOINT" <<'PY' || die "no state object in the S3 backend"
import boto3, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
s3.head_object(Bucket="eventmall-rehearsal-state", Key="plumbing/base.tfstate")
PY
ok "plan (+N ~0 -0) → apply of that plan → re-plan +0 ~0 -0; state at s3://eventmall-rehearsal-state/plumbing/base.tfstate"
pick() { # pick FILE KEY...: those outputs of `plan apply` as a JSON object of inputs
  local f=$1; shift
  "$REHEARSAL_PYTHON" -c 'import json,sys; o=json.load(open(sys.argv[1])); print(json.dumps({k: o[k]["value"] for k in sys.argv[2:]}))' "$f" "$@"
}
BASE_OUT=$(pick "$LOGS/apply-base.out" logs_kms_key_arn permissions_boundary_arn)
expect_ok network-apply "${AWS[@]}" "${STACK[@]}" --name=network with-inputs --inputs="$BASE_OUT" plan apply
NETWORK_OUT=$(pick "$LOGS/network-apply.out" vpc_id vpc_cidr_block public_subnet_ids)
expect_ok edge-apply "${AWS[@]}" "${STACK[@]}" --name=edge with-inputs --inputs="$NETWORK_OUT" plan apply
grep -q '"site_bucket_name"' "$LOGS/edge-apply.out" || die "edge outputs missing"
"$REHEARSAL_PYTHON" - "$REHEARSAL_AWS_ENDPOINT" "$NETWORK_OUT" <<'PY' || die "edge did not receive network's outputs"
import boto3, json, sys
# The fixture records what it was given; read it back from the state in S3.
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
state = s3.get_object(Bucket="eventmall-rehearsal-state", Key="plumbing/edge.tfstate")["Body"].read().decode()
for key, value in json.loads(sys.argv[2]).items():
    for v in value if isinstance(value, list) else [value]:
        assert json.dumps(v) in state, (key, v)
PY
if dc undeclared-input "${AWS[@]}" "${STACK[@]}" --name=edge with-inputs --inputs='{"no_such_variable": 1}' plan summary; then
  die "an undeclared input was accepted"
fi
grep -q 'stack edge does not declare the variables no_such_variable' "$LOGS/undeclared-input.err" || die "an undeclared input is not named"
ok "base → network → edge: outputs flowed as typed inputs ($NETWORK_OUT); an undeclared input fails by name"

echo "== publish-backend: ECR auth via moto, push to the local registry standing in for ECR"
expect_ok publish "${AWS[@]}" publish-backend --repository-url="$EVENTMALL_REGISTRY/rehearsal/eventmall-backend"
REF=$(tail -1 "$LOGS/publish.out")
[[ "$REF" =~ ^$EVENTMALL_REGISTRY/rehearsal/eventmall-backend@sha256:[0-9a-f]{64}$ ]] || die "publish returned $REF"
curl -fsS -o /dev/null -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
  "http://$EVENTMALL_REGISTRY/v2/rehearsal/eventmall-backend/manifests/${REF#*@}" || die "the registry does not have $REF"
ok "published $REF"

echo "== sync-frontend: S3 upload with headers, CloudFront invalidation (moto)"
expect_ok sync-1 "${AWS[@]}" sync-frontend --bucket=eventmall-rehearsal-site --distribution-id="$DIST"
expect_ok sync-2 "${AWS[@]}" sync-frontend --bucket=eventmall-rehearsal-site --distribution-id="$DIST"
grep -q "uploaded 0," "$LOGS/sync-2.out" && grep -q "invalidation: none needed" "$LOGS/sync-2.out" \
  || { show sync-2; die "an unchanged site was uploaded again"; }
"$REHEARSAL_PYTHON" - "$REHEARSAL_AWS_ENDPOINT" <<'PY' || die "objects in S3 carry wrong headers"
import boto3, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="eventmall-rehearsal-site")["Contents"]]
index = s3.head_object(Bucket="eventmall-rehearsal-site", Key="index.html")
assert index["CacheControl"] == "no-cache", index["CacheControl"]
assert index["ContentType"].startswith("text/html"), index["ContentType"]
js = [k for k in keys if k.startswith("assets/") and k.endswith(".js")]
assert js, keys
asset = s3.head_object(Bucket="eventmall-rehearsal-site", Key=js[0])
assert asset["CacheControl"] == "public, max-age=31536000, immutable", asset["CacheControl"]
assert asset["ContentType"].startswith("text/javascript"), asset["ContentType"]
print("  %d objects; index.html no-cache, %s immutable" % (len(keys), js[0]))
PY
ok "sync uploads once with the right headers; a second sync uploads nothing"
# A changed index.html and a stale page in the bucket: upload one file,
# invalidate what CloudFront may hold, prune the stale page afterwards.
cp -r "$TMP/dist" "$TMP/dist-changed" && echo "<!-- changed -->" >>"$TMP/dist-changed/index.html"
"$REHEARSAL_PYTHON" -c 'import boto3,sys; boto3.client("s3",endpoint_url=sys.argv[1],region_name="us-east-1").put_object(Bucket="eventmall-rehearsal-site",Key="old-page.html",Body=b"old")' "$REHEARSAL_AWS_ENDPOINT"
expect_ok sync-3 "${AWS[@]}" sync-frontend --bucket=eventmall-rehearsal-site --distribution-id="$DIST" --site="$TMP/dist-changed"
grep -q "uploaded 1, unchanged 23, pruned 1" "$LOGS/sync-3.out" && grep -qE "invalidation: [A-Z0-9]+ \(/ /index.html /old-page.html\) completed" "$LOGS/sync-3.out" \
  || { show sync-3; die "a changed index.html was not uploaded, invalidated and the stale page pruned"; }
"$REHEARSAL_PYTHON" - "$REHEARSAL_AWS_ENDPOINT" "$DIST" <<'PY' || die "moto holds no completed invalidation"
import boto3, sys
cf = boto3.client("cloudfront", endpoint_url=sys.argv[1], region_name="us-east-1")
items = cf.list_invalidations(DistributionId=sys.argv[2])["InvalidationList"].get("Items", [])
assert items and all(i["Status"].lower() == "completed" for i in items), items
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="eventmall-rehearsal-site")["Contents"]]
assert "old-page.html" not in keys, keys
PY
ok "sync-3: $(tail -1 "$LOGS/sync-3.out")"

echo "== deploy rehearsal: the whole chain against moto"
DEPLOY=(deploy --aws-access-key-id=env://AWS_ACCESS_KEY_ID --aws-secret-access-key=env://AWS_SECRET_ACCESS_KEY
        --aws-session-token=env://AWS_SESSION_TOKEN --region=us-east-1
        --state-bucket=eventmall-rehearsal-state --lock-table=eventmall-rehearsal-locks --environment=rehearsal
        --slack-token=env://SLACK_TOKEN --slack-channel=#drops --slack-api-url="$REHEARSAL_SLACK_API"
        --aws-endpoint-url="$REHEARSAL_AWS_ENDPOINT" --stacks-path=terraform/fixtures/rehearsal)
# The freeze is judged at a fixed time outside every window of the catalogue,
# so the rehearsal does not depend on the hour CI runs at.
CALM=2026-12-01T12:00:00+01:00
# base is the administrator's (a deploy never applies it): bootstrap it first, as docs/getting-started.md says.
if dc deploy-before-base "${DEPLOY[@]}" --now=$CALM; then die "deploy applied an unbootstrapped base"; fi
grep -q 'apply base as an administrator' "$LOGS/deploy-before-base.err" || { show deploy-before-base; die "deploy did not refuse base's changes by name"; }
grep -qE '^apply base ' "$LOGS/deploy-before-base.out" && die "an apply of base ran"
expect_ok admin-base "${AWS[@]}" stack --state-bucket=eventmall-rehearsal-state --lock-table=eventmall-rehearsal-locks \
  --environment=rehearsal --stacks-path=terraform/fixtures/rehearsal --name=base plan apply
ok "deploy refused base's changes (apply base as an administrator); the administrator applied base"
: >"$REHEARSAL_SLACK_RECORD"
expect_ok deploy "${DEPLOY[@]}" --now=$CALM
cat "$LOGS/deploy.out"
for stage in freeze test-backend test-frontend "apply service" publish-backend sync-frontend wait-service-stable smoke-test; do
  grep -q "^$stage .*succeeded" "$LOGS/deploy.out" || die "deploy report lacks a successful $stage"
done
"$REHEARSAL_PYTHON" - "$REHEARSAL_SLACK_RECORD" success <<'PY' || die "Slack thread of the deploy is wrong"
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1])]
assert calls and calls[0]["method"] == "chat.postMessage" and not calls[0]["form"].get("thread_ts"), calls[:1]
parent = calls[0]
assert all(c["token_present"] for c in calls)
replies = [c for c in calls if c["form"].get("thread_ts")]
assert len(replies) >= 10, len(replies)
assert any("plan edge succeeded" in c["form"]["text"] for c in replies)
final = calls[-1]
assert final["method"] == "chat.update" and "succeeded" in final["form"]["text"], final
print("  Slack: 1 deploy message, %d threaded stage replies, final update: %s" % (len(replies), final["form"]["text"]))
PY
ok "deploy rehearsal green; Slack thread recorded"

echo "== deploy lock: released after a deploy; a deploy while another holds it is refused naming the holder; unlock"
lock_item() { # lock_item get|put|absent: the deploy lock item of the rehearsal environment in moto
  "$REHEARSAL_PYTHON" - "$REHEARSAL_AWS_ENDPOINT" "$1" <<'PY'
import boto3, sys, time
ddb = boto3.client("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1")
key = {"LockID": {"S": "eventmall-deploy/rehearsal"}}
if sys.argv[2] == "put":  # stands for a deploy running elsewhere (another vendor, a laptop)
    now = int(time.time())
    ddb.put_item(TableName="eventmall-rehearsal-locks", Item={**key, "RunID": {"S": "rehearsal-other"},
        "Owner": {"S": "another-deploy@rehearsal"}, "StartedAt": {"S": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))},
        "ExpiresAt": {"N": str(now + 3600)}})
else:
    item = ddb.get_item(TableName="eventmall-rehearsal-locks", Key=key, ConsistentRead=True).get("Item")
    assert item is None, item
PY
}
lock_item absent || die "the deploy lock was not released after the deploy"
lock_item put
if dc deploy-locked "${DEPLOY[@]}" --now=$CALM; then die "a deploy ran while another held the deploy lock"; fi
grep -q 'another deploy of rehearsal holds the deploy lock: run rehearsal-other by another-deploy@rehearsal' "$LOGS/deploy-locked.err" \
  || { show deploy-locked; die "the refused deploy does not name the lock's holder"; }
grep -qE '^(plan|apply) ' "$LOGS/deploy-locked.out" && die "a terraform stage ran without the deploy lock"
expect_ok unlock "${AWS[@]}" unlock --lock-table=eventmall-rehearsal-locks --environment=rehearsal --run-id=rehearsal-other
grep -q 'released the deploy lock of rehearsal held by run rehearsal-other (another-deploy@rehearsal)' "$LOGS/unlock.out" || { show unlock; die "unlock did not say whose lock it released"; }
lock_item absent || die "unlock left the lock"
ok "deploy lock: released after the deploy; the second deploy refused naming run rehearsal-other; unlock released it"

echo "== freeze: a deploy inside a drop's freeze window stops before any terraform init"
: >"$REHEARSAL_SLACK_RECORD"
if dc deploy-frozen "${DEPLOY[@]}" --now=2026-12-03T23:30:00+01:00; then die "a deploy inside a freeze window passed"; fi
grep -q 'deploy failed at stage freeze' "$LOGS/deploy-frozen.err" && grep -q 'deploys are frozen at 2026-12-03 23:30 CET: drop nn-d1 (2026-12-04)' "$LOGS/deploy-frozen.err" \
  || { show deploy-frozen; die "the refused deploy does not name the freeze stage and window"; }
grep -q 'terraform init' "$LOGS/deploy-frozen.err" "$LOGS/deploy-frozen.out" && die "terraform init ran in a frozen deploy"
grep -qE '^(test-backend|plan base) ' "$LOGS/deploy-frozen.err" && die "a stage ran after the freeze refused the deploy"
grep -q 'freeze failed' "$REHEARSAL_SLACK_RECORD" || die "Slack was not told of the freeze"
ok "freeze: refused at stage freeze, window named, nothing else ran, Slack told"

echo "== two deploys start together: one takes the deploy lock, the other refuses naming its holder"
: >"$REHEARSAL_SLACK_RECORD"
dc deploy-together-a "${DEPLOY[@]}" --now=$CALM --run-id=rehearsal-together-a & PID_A=$!
dc deploy-together-b "${DEPLOY[@]}" --now=$CALM --run-id=rehearsal-together-b & PID_B=$!
rc_a=0; wait "$PID_A" || rc_a=$?
rc_b=0; wait "$PID_B" || rc_b=$?
if [ "$rc_a" = 0 ] && [ "$rc_b" != 0 ]; then won=a lost=b
elif [ "$rc_b" = 0 ] && [ "$rc_a" != 0 ]; then won=b lost=a
else show deploy-together-a; show deploy-together-b; die "two deploys started together: want exactly one to pass, exits $rc_a and $rc_b"; fi
grep -q 'deploy failed at stage deploy-lock' "$LOGS/deploy-together-$lost.err" \
  && grep -q "another deploy of rehearsal holds the deploy lock: run rehearsal-together-$won by " "$LOGS/deploy-together-$lost.err" \
  || { show "deploy-together-$lost"; die "the second deploy does not refuse naming the holder (run rehearsal-together-$won)"; }
grep -qE '^(plan|apply) [a-z]+ ' "$LOGS/deploy-together-$lost.err" && die "the refused deploy ran a terraform stage"
grep -q "^apply service .*succeeded" "$LOGS/deploy-together-$won.out" || die "the deploy holding the lock did not finish"
lock_item absent || die "the deploy lock was not released after the two deploys"
ok "two deploys together: rehearsal-together-$won took the lock and passed; rehearsal-together-$lost refused at deploy-lock naming it, ran no terraform"

echo "== a sibling fails while an apply runs: the apply finishes and persists state, the locks are released, the next deploy passes"
# Three variants of the rehearsal stacks, side by side in one copy of the tree (so the gate runs once
# for them): sibling: data's apply is slow (60 s), edge's (20 s) ends and its sync-frontend fails
# (no such bucket) while data's still runs (margins that hold on a loaded machine); keep: the faults
# gone; drop: data's protected resource removed. The protected resource is an aws_kms_key of the
# offline AWS provider (terraform/offline-provider: a stand-in for hashicorp/aws with its published
# 6.47.0 schema; nothing reaches AWS), which terraform finds in the stack's terraform.d/plugins.
# The rehearsal fixtures themselves stay provider-free.
copy_source "$TMP/guard"
AWS_PROVIDER="$(dirname "$(terraform/offline-provider/install.sh 6.47.0)")/mirror-6.47.0/registry.terraform.io/hashicorp/aws"
mkdir -p "$TMP/guard-aws/registry.terraform.io/hashicorp" && cp -r "$AWS_PROVIDER" "$TMP/guard-aws/registry.terraform.io/hashicorp/"
guard_stacks() { # guard_stacks NAME kms|nokms [faults]
  local d="$TMP/guard/terraform/fixtures/rehearsal-$1"
  cp -r "$ROOT/terraform/fixtures/rehearsal" "$d"
  # Regular files (hard links of one copy), not a symlink: the policy tests walk terraform/.
  mkdir -p "$d/data/terraform.d/plugins" && cp -rl "$TMP/guard-aws/registry.terraform.io" "$d/data/terraform.d/plugins/"
  cat >"$d/data/protected.tf" <<'TF'
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "6.47.0" }
  }
}
provider "aws" { region = var.region }
TF
  [ "$2" = kms ] && cat >>"$d/data/protected.tf" <<'TF'
resource "aws_kms_key" "rehearsal" { description = "stands for the data stack's protected resources" }
TF
  if [ "${3:-}" = faults ]; then
    printf 'resource "terraform_data" "slow_apply" {\n  input = "%s"\n  provisioner "local-exec" { command = "sleep %s" }\n}\n' slow 60 >"$d/data/slow.tf"
    printf 'resource "terraform_data" "slow_apply" {\n  input = "%s"\n  provisioner "local-exec" { command = "sleep %s" }\n}\n' slow 20 >"$d/edge/slow.tf"
    "$REHEARSAL_PYTHON" - "$d/edge/rehearsal.auto.tfvars.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1])); v["site_bucket_name"] = "eventmall-rehearsal-no-such-bucket"
json.dump(v, open(sys.argv[1], "w"))
PY
  fi
}
guard_stacks sibling kms faults
guard_stacks keep kms
guard_stacks drop nokms
GUARD=(--source="$TMP/guard")
: >"$REHEARSAL_SLACK_RECORD"
if dc deploy-sibling "${GUARD[@]}" "${DEPLOY[@]}" --now=$CALM --stacks-path=terraform/fixtures/rehearsal-sibling; then die "a deploy whose sync-frontend fails passed"; fi
grep -q 'deploy failed at stage sync-frontend' "$LOGS/deploy-sibling.err" || { show deploy-sibling; die "the sibling deploy did not fail at sync-frontend"; }
grep -qE '^apply data +succeeded' "$LOGS/deploy-sibling.err" || { show deploy-sibling; die "data's running apply did not finish when its sibling failed"; }
grep -qE '^publish-backend +succeeded' "$LOGS/deploy-sibling.err" && die "a new stage started after the sibling failed"
"$REHEARSAL_PYTHON" - "$REHEARSAL_SLACK_RECORD" "$REHEARSAL_AWS_ENDPOINT" <<'PY' || die "the apply did not outlast its sibling's failure, or left state unsaved or a lock held"
import boto3, json, sys
texts = [json.loads(l)["form"].get("text", "") for l in open(sys.argv[1])]
failed = next(i for i, t in enumerate(texts) if "sync-frontend failed" in t)
applied = next(i for i, t in enumerate(texts) if "apply data succeeded" in t)
# An apply never starts after a failure: ending after it means it ran through it.
assert failed < applied, (failed, applied, texts)
s3 = boto3.client("s3", endpoint_url=sys.argv[2], region_name="us-east-1")
state = json.loads(s3.get_object(Bucket="eventmall-rehearsal-state", Key="rehearsal/data.tfstate")["Body"].read())
have = {r["type"] + "." + r["name"] for r in state["resources"]}
assert {"aws_kms_key.rehearsal", "terraform_data.slow_apply"} <= have, have
ddb = boto3.client("dynamodb", endpoint_url=sys.argv[2], region_name="us-east-1")
for key in ("eventmall-rehearsal-state/rehearsal/data.tfstate", "eventmall-rehearsal-state/rehearsal/edge.tfstate", "eventmall-deploy/rehearsal"):
    item = ddb.get_item(TableName="eventmall-rehearsal-locks", Key={"LockID": {"S": key}}, ConsistentRead=True).get("Item")
    assert item is None, (key, item)
print("  sync-frontend failed (Slack reply %d), apply data succeeded after it (reply %d); data's state holds %s; no lock held" % (failed, applied, sorted(have)))
PY
expect_ok deploy-after-sibling "${GUARD[@]}" "${DEPLOY[@]}" --now=$CALM --stacks-path=terraform/fixtures/rehearsal-keep
grep -q "^smoke-test .*succeeded" "$LOGS/deploy-after-sibling.out" || die "the next deploy did not pass"
ok "sibling failed during data's apply: the apply finished, state persisted, locks released; the next deploy passed"

echo "== destroy guard: a plan deleting a protected resource is refused unless --allow-destroy names it"
if dc deploy-destroy "${GUARD[@]}" "${DEPLOY[@]}" --now=$CALM --stacks-path=terraform/fixtures/rehearsal-drop; then die "a plan deleting a protected resource was applied"; fi
grep -q 'deploy failed at stage plan data' "$LOGS/deploy-destroy.err" \
  && grep -q 'aws_kms_key.rehearsal (delete)  --allow-destroy=data:aws_kms_key.rehearsal' "$LOGS/deploy-destroy.err" \
  || { show deploy-destroy; die "the refusal does not name the resource and its --allow-destroy"; }
grep -qE '^apply data +succeeded' "$LOGS/deploy-destroy.err" && die "data was applied although its plan was refused"
state_has_kms() {
  "$REHEARSAL_PYTHON" - "$REHEARSAL_AWS_ENDPOINT" <<'PY'
import boto3, json, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1")
state = json.loads(s3.get_object(Bucket="eventmall-rehearsal-state", Key="rehearsal/data.tfstate")["Body"].read())
sys.exit(0 if any(r["type"] == "aws_kms_key" for r in state["resources"]) else 1)
PY
}
state_has_kms || die "the refused deploy deleted the protected resource"
: >"$REHEARSAL_SLACK_RECORD"
expect_ok deploy-destroy-allowed "${GUARD[@]}" "${DEPLOY[@]}" --now=$CALM --stacks-path=terraform/fixtures/rehearsal-drop \
  --allow-destroy=data:aws_kms_key.rehearsal
grep -qE '^plan data .*allowed to delete or replace 1 protected' "$LOGS/deploy-destroy-allowed.out" || { show deploy-destroy-allowed; die "the report does not say what was allowed"; }
if state_has_kms; then die "the allowed delete did not happen"; fi
head -1 "$REHEARSAL_SLACK_RECORD" | grep -q 'WARNING allowed to delete or replace protected resources: data:aws_kms_key.rehearsal' \
  || die "Slack's deploy message does not say first what it may delete"
ok "destroy guard: refused naming --allow-destroy=data:aws_kms_key.rehearsal; allowed when named, Slack says so first"

echo "== failure injection: a failing backend test stops the chain"
copy_source "$TMP/failing"
python3 - "$TMP/failing/backend/package.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["scripts"]["test"] = "node -e \"console.error('injected failure: expected 10 units sold, got 11'); process.exit(1)\""
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
state_before=$("$REHEARSAL_PYTHON" -c 'import boto3,sys; s3=boto3.client("s3",endpoint_url=sys.argv[1],region_name="us-east-1"); print(sorted((v["Key"],v["VersionId"]) for v in s3.list_object_versions(Bucket="eventmall-rehearsal-state").get("Versions",[])))' "$REHEARSAL_AWS_ENDPOINT")
tags_before=$(curl -fsS "http://$EVENTMALL_REGISTRY/v2/rehearsal/eventmall-backend/tags/list")
: >"$REHEARSAL_SLACK_RECORD"
if dc deploy-failing --source="$TMP/failing" "${DEPLOY[@]}" --now=$CALM; then die "deploy succeeded with a failing backend test"; fi
grep -q 'deploy failed at stage test-backend' "$LOGS/deploy-failing.err" || { show deploy-failing; die "the error does not name test-backend"; }
grep -q 'injected failure: expected 10 units sold, got 11' "$LOGS/deploy-failing.err" || die "the error does not show the failing test's output"
grep -qE '^(plan|apply) ' "$LOGS/deploy-failing.out" && die "a terraform stage ran after the failed test"
state_after=$("$REHEARSAL_PYTHON" -c 'import boto3,sys; s3=boto3.client("s3",endpoint_url=sys.argv[1],region_name="us-east-1"); print(sorted((v["Key"],v["VersionId"]) for v in s3.list_object_versions(Bucket="eventmall-rehearsal-state").get("Versions",[])))' "$REHEARSAL_AWS_ENDPOINT")
[ "$state_before" = "$state_after" ] || die "Terraform state changed after a failed test"
[ "$tags_before" = "$(curl -fsS "http://$EVENTMALL_REGISTRY/v2/rehearsal/eventmall-backend/tags/list")" ] || die "an image was published after a failed test"
"$REHEARSAL_PYTHON" - "$REHEARSAL_SLACK_RECORD" <<'PY' || die "Slack did not get the failure naming the stage"
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1])]
failed = [c for c in calls if "test-backend failed" in c["form"].get("text", "")]
assert failed, [c["form"].get("text") for c in calls]
assert "injected failure" in failed[0]["form"].get("blocks", ""), "no log tail in the failure reply"
final = calls[-1]
assert final["method"] == "chat.update" and "FAILED at stage test-backend" in final["form"]["text"], final
assert not any(c["form"].get("text", "").startswith((":white_check_mark: apply", ":white_check_mark: publish")) for c in calls)
print("  Slack: %s" % final["form"]["text"])
PY
ok "failed test-backend stopped deploy: no state change, no image pushed, Slack told with the log tail"

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
