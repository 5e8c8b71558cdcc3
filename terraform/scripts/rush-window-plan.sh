#!/usr/bin/env bash
# The pre-midnight scale-out survives a deploy: applies the real service stack through the offline
# provider (schema of hashicorp/aws 6.47.0; a dry run, no AWS), then does to the state what the
# 23:40 scheduled action does on AWS (the scalable target's min_capacity rises to
# rush_min_capacity, 8), and plans again, as a deploy in the rush window would. The plan must
# change nothing (`plan -detailed-exitcode` 0); before the scalable target ignored its capacities
# it planned `min_capacity = 8 -> 2`. Prints the plan's summary. Then plans with the environment's
# expected peak and with a peak far above what the rush floor serves: the task definition's
# WAITING_ROOM is off, then on with its inlet. Needs terraform (ensure-terraform.sh).
# Usage: terraform/scripts/rush-window-plan.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TF="${TERRAFORM_BINARY:-$("$HERE/ensure-terraform.sh")}"
RC="$("$ROOT/terraform/offline-provider/install.sh" 6.47.0)"
W="$(mktemp -d /tmp/eventmall-rush.XXXXXX)"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/stacks"
cp -r "$ROOT/terraform/modules" "$W/"
cp -r "$ROOT/terraform/stacks/service" "$W/stacks/"
cd "$W/stacks/service"
# A local backend instead of the partial S3 one; inputs shaped like the upstream stacks' outputs.
printf 'terraform {\n  backend "local" {}\n}\n' >override.tf
cat >rush.auto.tfvars.json <<'JSON'
{
  "region": "us-east-1", "environment": "rush", "event_name": "neon-nights-2026", "event_time_zone": "Europe/Berlin",
  "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/eventmall-rush/backend@sha256:abababababababababababababababababababababababababababababababab",
  "repository_url": "123456789012.dkr.ecr.us-east-1.amazonaws.com/eventmall-rush/backend",
  "repository_arn": "arn:aws:ecr:us-east-1:123456789012:repository/eventmall-rush/backend",
  "vpc_id": "vpc-0123456789abcdef0", "private_subnet_ids": ["subnet-0a", "subnet-0b"],
  "alb_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/eventmall-rush/0123456789abcdef",
  "alb_target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/eventmall-rush-api/0123456789abcdef",
  "alb_security_group_id": "sg-0alb", "site_url": "https://d111111abcdef8.cloudfront.net",
  "cache_endpoint": "eventmall-rush.abc.cfg.use1.cache.amazonaws.com:11211",
  "database_endpoint": "eventmall-rush.cluster-abc.us-east-1.rds.amazonaws.com",
  "database_reader_endpoint": "eventmall-rush.cluster-ro-abc.us-east-1.rds.amazonaws.com",
  "database_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:eventmall-rush-db-app-user-1-AbCdEf",
  "database_master_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc-123456",
  "cache_security_group_id": "sg-0cache", "database_security_group_id": "sg-0db",
  "logs_kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555",
  "alarm_topic_arn": "arn:aws:sns:us-east-1:123456789012:eventmall-rush-alarms",
  "permissions_boundary_arn": "arn:aws:iam::123456789012:policy/eventmall-rush-workload-boundary",
  "state_bucket_name": "eventmall-rush-tfstate"
}
JSON
# The environment's forecast and the benchmark's capacity record, read from their files as the
# pipeline reads them (the rush sizing of the service stack).
python3 - "$ROOT" >sizing.auto.tfvars.json <<'PY'
import json, sys
root = sys.argv[1]
env = json.load(open(f"{root}/terraform/environments/defaults.json"))
print(json.dumps({"expected_peak_customers_per_second": env["expected_peak_customers_per_second"],
                  "measured_capacity": json.load(open(f"{root}/backend/bench/capacity.json"))}))
PY
export TF_CLI_CONFIG_FILE="$RC"
"$TF" init -input=false -no-color >init.log 2>&1 || { cat init.log; exit 1; }
"$TF" apply -auto-approve -input=false -no-color >apply.log 2>&1 || { tail -30 apply.log; exit 1; }
# 23:40: the scheduled action raises the floor (what a refresh would read from AWS).
"$TF" state pull >state.json
python3 - <<'PY'
import json
s = json.load(open("state.json")); s["serial"] += 1
targets = [i for r in s["resources"] if r["type"] == "aws_appautoscaling_target" for i in r["instances"]]
assert targets, "no scalable target in the state"
for i in targets:
    i["attributes"]["min_capacity"] = 8
json.dump(s, open("state.json", "w"))
PY
"$TF" state push state.json
rc=0
"$TF" plan -detailed-exitcode -input=false -no-color >plan.log 2>&1 || rc=$?
grep -E "min_capacity|max_capacity|No changes|Plan:" plan.log || true
case $rc in
  0) echo "rush window: a plan after the 23:40 scale-out (min_capacity 8) changes nothing (offline provider, schema of hashicorp/aws 6.47.0)" ;;
  2) echo "FAIL: a plan in the rush window would change the service stack (above)" >&2; exit 1 ;;
  *) tail -30 plan.log >&2; exit 1 ;;
esac
# The waiting room follows the rush sizing in the task definition: off with the environment's
# peak (within what the floor serves), on for a drop whose expected peak exceeds it, admitting what
# the floor serves.
for peak in default 1000000; do
  args=(); [ "$peak" = default ] || args=(-var "expected_peak_customers_per_second=$peak")
  "$TF" plan -input=false -no-color -refresh=false "${args[@]}" -out="peak.tfplan" >peak.log 2>&1 || { tail -30 peak.log >&2; exit 1; }
  "$TF" show -json peak.tfplan >peak.json
  python3 - "$peak" <<'PY' || exit 1
import json, sys
peak = sys.argv[1]
plan = json.load(open("peak.json"))
tds = [r for r in plan["planned_values"]["root_module"].get("child_modules", []) for r in r.get("resources", []) if r["address"] == "module.service.aws_ecs_task_definition.this"]
assert tds, "no task definition in the plan"
env = {e["name"]: e["value"] for c in json.loads(tds[0]["values"]["container_definitions"]) for e in c.get("environment", [])}
wr = {k: v for k, v in env.items() if k.startswith("WAITING_ROOM")}
if peak == "default":
    assert wr == {"WAITING_ROOM": "off"}, wr
else:
    assert wr.get("WAITING_ROOM") == "on" and int(wr["WAITING_ROOM_INLET_PER_SEC"]) >= 1, wr
print("waiting room, expected peak %s: task definition %s" % (peak if peak != "default" else "of the environment", " ".join("%s=%s" % kv for kv in sorted(wr.items()))))
PY
done
