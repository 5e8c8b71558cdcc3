#!/usr/bin/env python3
"""What ci/module-test.sh reads from, and changes in, the rehearsal's stand-ins: moto (the AWS
emulator, through boto3, the same API calls the AWS CLI or console make) and the Slack recorder's
file. One subcommand a probe; each prints what it found or exits non-zero saying what is wrong.

Usage: probe.py COMMAND [ARGS]    (the endpoint: --endpoint or REHEARSAL_AWS_ENDPOINT)

Names are the rehearsal environment's as the stacks name them (terraform/environments/rehearsal.json,
"<project>-<environment>"), as ci/rehearsal/moto_setup.py creates them.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import sys
import time

ENVIRONMENT = "rehearsal"
NAME = "eventmall-" + ENVIRONMENT
STATE_BUCKET = NAME + "-state"
SITE_BUCKET = NAME + "-site"
LOCK_TABLE = NAME + "-locks"
DEPLOY_LOCK_KEY = ENVIRONMENT + "/eventmall-deploy.lock"
DEPLOY_LOCK_ID = "eventmall-deploy/" + ENVIRONMENT
OTHER_RUN = {"RunID": "rehearsal-other", "Owner": "another-deploy@rehearsal"}  # a deploy running elsewhere

COMMANDS = {}


def command(help_text, *arguments):
    """Registers a probe: its help and its positional arguments (name, or (name, choices))."""
    def register(fn):
        COMMANDS[fn.__name__.replace("_", "-")] = (fn, help_text, arguments)
        return fn
    return register


def client(service, args):
    import boto3
    return boto3.client(service, endpoint_url=args.endpoint, region_name="us-east-1")


def state(args, stack):
    s3 = client("s3", args)
    return json.loads(s3.get_object(Bucket=STATE_BUCKET, Key=f"{ENVIRONMENT}/{stack}.tfstate")["Body"].read())


def put_state(args, stack, st):
    st["serial"] += 1
    client("s3", args).put_object(Bucket=STATE_BUCKET, Key=f"{ENVIRONMENT}/{stack}.tfstate", Body=json.dumps(st, indent=2).encode())


def now_fields():
    now = int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), str(now + 3600)


def slack_calls(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


# --- Terraform state in moto's S3 ---

@command("the stack's state object exists", "stack")
def state_exists(args):
    client("s3", args).head_object(Bucket=STATE_BUCKET, Key=f"{ENVIRONMENT}/{args.stack}.tfstate")
    print(f"  s3://{STATE_BUCKET}/{ENVIRONMENT}/{args.stack}.tfstate")


@command("edge's state holds the vpc_id and private_subnet_ids network's state outputs")
def edge_has_network_outputs(args):
    net, edge = state(args, "network"), json.dumps(state(args, "edge"))
    for name in ("vpc_id", "private_subnet_ids"):
        v = net["outputs"][name]["value"]
        for x in v if isinstance(v, list) else [v]:
            assert json.dumps(x) in edge, (name, x)
    print("  edge state holds network's vpc_id and private_subnet_ids")


@command("the service's task definition says WAITING_ROOM=off (the rush sizing of the rehearsal's expected peak)")
def waiting_room_off(args):
    tds = [i["attributes"] for r in state(args, "service")["resources"]
           if r["type"] == "aws_ecs_task_definition" and r["name"] == "this" for i in r["instances"]]
    env = {e["name"]: e["value"] for c in json.loads(tds[0]["container_definitions"]) for e in c.get("environment", [])}
    assert env.get("WAITING_ROOM") == "off" and "WAITING_ROOM_INLET_PER_SEC" not in env, \
        {k: v for k, v in env.items() if k.startswith("WAITING")}
    print("  task definition: WAITING_ROOM=off, from the rush sizing (expected peak within what the rush floor serves)")


@command("the one backend image reference the service stack's state holds")
def service_image(args):
    s3 = client("s3", args)
    s = s3.get_object(Bucket=STATE_BUCKET, Key=f"{ENVIRONMENT}/service.tfstate")["Body"].read().decode()
    images = sorted(set(re.findall(r"[^\s\"\\]+/eventmall-backend@sha256:[0-9a-f]{64}", s)))
    assert len(images) == 1, images
    print(images[0])


@command("the versions of every state object (key, version id)")
def state_versions(args):
    versions = client("s3", args).list_object_versions(Bucket=STATE_BUCKET).get("Versions", [])
    print(sorted((v["Key"], v["VersionId"]) for v in versions if v["Key"].endswith(".tfstate")))


@command("take one leaf resource out of edge's and data's states (as `terraform state rm` would), so both plan +1")
def drop_leaf_resources(args):
    for stack, typ in (("edge", "aws_s3_bucket_lifecycle_configuration"), ("data", "aws_ecr_lifecycle_policy")):
        st = state(args, stack)
        kept = [r for r in st["resources"] if not (r["mode"] == "managed" and r["type"] == typ)]
        assert len(kept) == len(st["resources"]) - 1, (stack, typ)
        st["resources"] = kept
        put_state(args, stack, st)


@command("edge's state holds what its apply created and no lock object is left")
def edge_applied_unlocked(args):
    assert any(r["type"] == "aws_s3_bucket_lifecycle_configuration" for r in state(args, "edge")["resources"]), \
        "edge's state lacks what its apply created"
    objects = client("s3", args).list_objects_v2(Bucket=STATE_BUCKET, Prefix=ENVIRONMENT + "/").get("Contents", [])
    held = [o["Key"] for o in objects if o["Key"].endswith(".tflock") or o["Key"].endswith("eventmall-deploy.lock")]
    assert not held, f"locks still held: {held}"


@command("delete the stored reviewed plans (a later deploy of the source would be held to a copy's)")
def delete_reviewed_plans(args):
    s3 = client("s3", args)
    for o in s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=ENVIRONMENT + "/reviewed-plans/").get("Contents", []):
        s3.delete_object(Bucket=STATE_BUCKET, Key=o["Key"])


# --- locks ---

@command("put the deploy lock object of a deploy running elsewhere, or check that none is held", ("action", ["put", "absent"]))
def deploy_lock_object(args):
    import botocore
    s3 = client("s3", args)
    where = dict(Bucket=STATE_BUCKET, Key=DEPLOY_LOCK_KEY)
    if args.action == "put":
        started, expires = now_fields()
        s3.put_object(**where, Body=json.dumps({"LockID": DEPLOY_LOCK_ID, **OTHER_RUN, "StartedAt": started, "ExpiresAt": expires}).encode())
        return
    try:
        s3.head_object(**where)
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] in ("404", "NoSuchKey"), e
    else:
        sys.exit("the deploy lock object is still there")


@command("put the deploy lock item of a deploy running elsewhere in the lock table, or check that none is held", ("action", ["put", "absent"]))
def deploy_lock_item(args):
    ddb = client("dynamodb", args)
    key = {"LockID": {"S": DEPLOY_LOCK_ID}}
    if args.action == "put":
        started, expires = now_fields()
        ddb.put_item(TableName=LOCK_TABLE, Item={**key, "RunID": {"S": OTHER_RUN["RunID"]}, "Owner": {"S": OTHER_RUN["Owner"]},
                                                 "StartedAt": {"S": started}, "ExpiresAt": {"N": expires}})
        return
    item = ddb.get_item(TableName=LOCK_TABLE, Key=key, ConsistentRead=True).get("Item")
    assert item is None, item


@command("no state lock is held in the lock table (its -md5 digests aside)")
def table_locks_free(args):
    items = client("dynamodb", args).scan(TableName=LOCK_TABLE)["Items"]
    held = [i["LockID"]["S"] for i in items if not i["LockID"]["S"].endswith("-md5")]
    assert not held, f"locks still held in the table: {held}"


@command("put network's state lock object (use_lockfile) as a run elsewhere leaves it, or delete it", ("action", ["put", "delete"]))
def state_lock_object(args):
    s3 = client("s3", args)
    where = dict(Bucket=STATE_BUCKET, Key=f"{ENVIRONMENT}/network.tfstate.tflock")
    if args.action == "put":
        s3.put_object(**where, Body=json.dumps({"ID": "other", "Who": OTHER_RUN["Owner"]}, separators=(",", ":")).encode())
    else:
        s3.delete_object(**where)


# --- what the release, the site and the catalogue left in AWS ---

@command("the release wrote the app user's secret (not the master's) and one 32-byte session key", "moto_json")
def release_secrets(args):
    with open(args.moto_json) as f:
        m = json.load(f)
    sm = client("secretsmanager", args)
    app = json.loads(sm.get_secret_value(SecretId=m["database_secret_arn"])["SecretString"])
    master = json.loads(sm.get_secret_value(SecretId=m["database_master_secret_arn"])["SecretString"])
    assert app["username"] == "eventmall_app" and len(app["password"]) >= 32 and app["username"] != master["username"], app["username"]
    keys = sm.get_secret_value(SecretId=m["session_keys_secret_arn"])["SecretString"].split(",")
    assert len(keys) == 1 and len(base64.b64decode(keys[0])) == 32, len(keys)
    print("  app user %s's secret written by grant-app-user.js (not the master %s); one 32-byte session key" % (app["username"], master["username"]))


@command("the site bucket's index.html, as bytes")
def site_index(args):
    sys.stdout.buffer.write(client("s3", args).get_object(Bucket=SITE_BUCKET, Key="index.html")["Body"].read())


@command("edit a built script in the site bucket and delete the scale-out before midnight, as by hand in the console; prints the key")
def edit_behind_pipeline(args):
    s3 = client("s3", args)
    key = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=SITE_BUCKET)["Contents"]
                 if o["Key"].startswith("assets/") and o["Key"].endswith(".js"))[0]
    body = s3.get_object(Bucket=SITE_BUCKET, Key=key)["Body"].read()
    s3.put_object(Bucket=SITE_BUCKET, Key=key, Body=body + b"\n// edited in the console", ContentType="text/javascript")
    client("application-autoscaling", args).delete_scheduled_action(
        ServiceNamespace="ecs", ScheduledActionName=NAME + "-before-midnight",
        ResourceId=f"service/{NAME}/{NAME}", ScalableDimension="ecs:service:DesiredCount")
    print(key)


@command("unsubscribe every subscriber of every SNS topic (the alarm topic's on-call gone)")
def drop_alarm_subscribers(args):
    sns = client("sns", args)
    for t in sns.list_topics()["Topics"]:
        for sub in sns.list_subscriptions_by_topic(TopicArn=t["TopicArn"])["Subscriptions"]:
            sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])


@command("the published catalogue objects' keys")
def catalogue_objects(args):
    contents = client("s3", args).list_objects_v2(Bucket=STATE_BUCKET, Prefix=ENVIRONMENT + "/catalogue/").get("Contents", [])
    print(sorted(o["Key"] for o in contents))


@command("a published catalogue object holds the catalogue directory's files byte for byte, named by its sha256", "catalog_dir")
def catalogue_published(args):
    s3 = client("s3", args)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=STATE_BUCKET, Prefix=ENVIRONMENT + "/catalogue/")["Contents"]]
    files = {}
    for n in os.listdir(args.catalog_dir):
        if n.endswith(".json"):
            with open(os.path.join(args.catalog_dir, n)) as f:
                files[n] = f.read()
    for k in keys:
        b = s3.get_object(Bucket=STATE_BUCKET, Key=k)["Body"].read()
        assert k == "%s/catalogue/%s.json" % (ENVIRONMENT, hashlib.sha256(b).hexdigest()), k
        if json.loads(b)["files"] == files:
            print("  s3://%s/%s: %d bytes, named by their sha256, the edited catalogue's files byte for byte" % (STATE_BUCKET, k, len(b)))
            return
    sys.exit("no published object holds the edited catalogue: %s" % keys)


@command("the task definition ECS's service runs")
def ecs_task_definition(args):
    print(client("ecs", args).describe_services(cluster=NAME, services=[NAME])["services"][0]["taskDefinition"])


# --- the Slack recorder's file ---

@command("the recorded Slack thread of a deploy that succeeded: one message, its stage replies, a final update", "record")
def slack_deploy_succeeded(args):
    calls = slack_calls(args.record)
    assert calls and calls[0]["method"] == "chat.postMessage" and not calls[0]["form"].get("thread_ts"), calls[:1]
    assert all(c["token_present"] for c in calls)
    replies = [c for c in calls if c["form"].get("thread_ts")]
    assert len(replies) >= 10, len(replies)
    assert any("plan edge succeeded" in c["form"]["text"] for c in replies)
    final = calls[-1]
    assert final["method"] == "chat.update" and "succeeded" in final["form"]["text"], final
    print("  Slack: 1 deploy message, %d threaded stage replies, final update: %s" % (len(replies), final["form"]["text"]))


@command("the recorded Slack thread of a deploy that failed at the stage: the failure with its log tail, nothing applied or published", "record", "stage", "log_needle")
def slack_deploy_failed(args):
    calls = slack_calls(args.record)
    failed = [c for c in calls if f"{args.stage} failed" in c["form"].get("text", "")]
    assert failed, [c["form"].get("text") for c in calls]
    assert args.log_needle in failed[0]["form"].get("blocks", ""), "no log tail in the failure reply"
    final = calls[-1]
    assert final["method"] == "chat.update" and f"FAILED at stage {args.stage}" in final["form"]["text"], final
    assert not any(c["form"].get("text", "").startswith((":white_check_mark: apply", ":white_check_mark: publish")) for c in calls)
    print("  Slack: %s" % final["form"]["text"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=os.environ.get("REHEARSAL_AWS_ENDPOINT"), help="moto's URL")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (fn, help_text, arguments) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        for a in arguments:
            if isinstance(a, tuple):
                p.add_argument(a[0], choices=a[1])
            else:
                p.add_argument(a)
        p.set_defaults(fn=fn)
    args = parser.parse_args()
    try:
        args.fn(args)
    except AssertionError as e:
        sys.exit(f"probe {args.command}: {e}")


if __name__ == "__main__":
    main()
