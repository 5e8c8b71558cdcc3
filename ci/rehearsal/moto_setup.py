#!/usr/bin/env python3
"""Creates, in a moto server, the AWS resources a deploy rehearsal talks to
after Terraform, and writes the values file of the offline AWS provider so
that what Terraform reports for them is what moto holds.

The rehearsal plans and applies the real stacks (terraform/stacks) through
the offline provider (terraform/offline-provider), which creates nothing in
moto. The steps after Terraform (sync to the site bucket, CloudFront
invalidation, ECS wait, the release's and the tasks' secrets) need real objects: they are created here, named as
the stacks name them for the environment (its settings file
terraform/environments/<environment>.json names the site bucket; the ECS
cluster and service are the stacks' "<project>-<environment>"), and ids only
moto decides (account, distribution) go into the values file, the one
source both sides read.

Usage: moto_setup.py ENDPOINT REGISTRY REPO_ROOT [VALUES_FILE]
"""
import json
import os
import secrets
import sys

import boto3

ENDPOINT, REGISTRY, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]
VALUES_FILE = sys.argv[4] if len(sys.argv) > 4 else None
REGION = os.environ.get("AWS_REGION", "us-east-1")
ENVIRONMENT = "rehearsal"
NAME = "eventmall-" + ENVIRONMENT  # the stacks' local.name: "<project>-<environment>"
with open(os.path.join(ROOT, "terraform/environments", ENVIRONMENT + ".json")) as f:
    SITE_BUCKET = json.load(f)["site_bucket_name"]


def client(service):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION)


s3 = client("s3")
for bucket in (f"{NAME}-state", SITE_BUCKET):
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
for bucket in (f"{NAME}-state", SITE_BUCKET):
    # The site bucket is versioned like the edge stack's: rollback restores
    # an earlier index.html version.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
# Visitors read the site through CloudFront, which reads the private bucket
# with Origin Access Control. moto has no CloudFront data plane, so the
# smoke test reads the bucket itself: allow anonymous GetObject on it here.
s3.put_bucket_policy(Bucket=SITE_BUCKET, Policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "CloudFrontStandIn", "Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{SITE_BUCKET}/*",
    }],
}))

ddb = client("dynamodb")
if f"{NAME}-locks" not in ddb.list_tables()["TableNames"]:
    ddb.create_table(
        TableName=f"{NAME}-locks",
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )

cf = client("cloudfront")
existing = cf.list_distributions().get("DistributionList", {}).get("Items", [])
dist = next((d for d in existing if d.get("Comment") == NAME), None)
if dist is None:
    dist = cf.create_distribution(DistributionConfig={
        "CallerReference": NAME,
        "Comment": NAME,
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": f"{SITE_BUCKET}.s3.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    })["Distribution"]

ecs = client("ecs")
ecs.create_cluster(clusterName=NAME)
# The service as it is before the first deploy: a placeholder revision of
# the family the service module registers (var.name). The deploy's ECS
# stand-in registers what terraform applied and rolls it out.
ecs.register_task_definition(
    family=NAME,
    requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
    containerDefinitions=[{"name": "api", "image": f"{REGISTRY}/rehearsal/eventmall-backend:latest", "essential": True}],
)
# The service module names cluster and service alike (var.name).
services = ecs.describe_services(cluster=NAME, services=[NAME])["services"]
if not any(s["status"] == "ACTIVE" for s in services):
    ecs.create_service(cluster=NAME, serviceName=NAME, taskDefinition=NAME, desiredCount=2)

# The database credentials, in Secrets Manager as RDS keeps them (JSON
# username/password) for the cluster's managed master password: the data
# stack's database_master_secret_arn is this secret (values file below), and the
# deploy's MariaDB stand-in is created with it. A fresh password per emulator.
sm = client("secretsmanager")
secret_name = f"rds!cluster-{NAME}"
try:
    secret_arn = sm.describe_secret(SecretId=secret_name)["ARN"]
except sm.exceptions.ResourceNotFoundException:
    secret_arn = sm.create_secret(Name=secret_name, SecretString=json.dumps(
        {"username": "eventmall_admin", "password": secrets.token_hex(16)}))["ARN"]

# The secrets the stacks create without a value (terraform/modules/database: the
# application user's; terraform/modules/service: the session keys'), created
# here as the stacks create them, empty: the deploy's release step writes them
# (grant-app-user.js, session-keys.js --if-empty) and the tasks then read them.
# The offline provider reports these ARNs for the stacks' secrets (values file,
# matched by each secret's name_prefix), so the task definition in the state
# names what moto holds.
TASK_SECRETS = {
    f"{NAME}-db-app-user-": "Aurora application user (rehearsal), written by grant-app-user.js",
    f"{NAME}-session-keys-": "Session signing keys (rehearsal), written by session-keys.js",
}
task_secret_arns = {}
for prefix, description in TASK_SECRETS.items():
    name = prefix + "rehearsal"
    try:
        task_secret_arns[prefix] = (name, sm.describe_secret(SecretId=name)["ARN"])
    except sm.exceptions.ResourceNotFoundException:
        task_secret_arns[prefix] = (name, sm.create_secret(Name=name, Description=description)["ARN"])

# The offline provider creates nothing in moto: what drift and preflight
# read from AWS besides the stacks' state is created here as the stacks
# would create it, from the environment's settings (defaults.json overlaid
# by the environment's file): the service's scheduled scale-out and
# scale-in actions (stacks/service), and the base stack's alarm topic
# ("<name>-alarms", the ARN the offline provider reports for it) with a
# confirmed e-mail subscriber (moto confirms at once; AWS waits for the click).
settings = {}
for name in ("defaults.json", ENVIRONMENT + ".json"):
    with open(os.path.join(ROOT, "terraform/environments", name)) as f:
        settings.update(json.load(f))
aas = client("application-autoscaling")
resource = f"service/{NAME}/{NAME}"
aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource,
                             ScalableDimension="ecs:service:DesiredCount", MinCapacity=2, MaxCapacity=20)
for action, schedule, floor in ((f"{NAME}-before-midnight", settings["scale_out_schedule"], 8),
                                (f"{NAME}-after-rush", settings["scale_in_schedule"], 2)):
    aas.put_scheduled_action(ServiceNamespace="ecs", ScheduledActionName=action, ResourceId=resource,
                             ScalableDimension="ecs:service:DesiredCount", Schedule=schedule,
                             Timezone=settings["event_time_zone"],
                             ScalableTargetAction={"MinCapacity": floor, "MaxCapacity": 20})
sns = client("sns")
topic = sns.create_topic(Name=f"{NAME}-alarms")["TopicArn"]
if not sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]:
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="on-call@example.com")

account = client("sts").get_caller_identity()["Account"]
# What the offline provider must report for what moto holds (terraform/offline-provider/values.go).
values = {
    "account_id": account,
    "resources": [
        {"type": "aws_cloudfront_distribution",
         "values": {"id": dist["Id"], "domain_name": dist["DomainName"], "arn": dist["ARN"]}},
        {"type": "aws_ecr_repository",
         "values": {"repository_url": f"{REGISTRY}/rehearsal/eventmall-backend"}},
        {"type": "aws_rds_cluster",
         "values": {"master_user_secret": [{"kms_key_id": None, "secret_arn": secret_arn, "secret_status": "active"}]}},
    ] + [
        {"type": "aws_secretsmanager_secret", "match": {"name_prefix": prefix},
         "values": {"arn": arn, "id": arn, "name": name}}
        for prefix, (name, arn) in sorted(task_secret_arns.items())
    ],
}
if VALUES_FILE:
    with open(VALUES_FILE, "w") as f:
        json.dump(values, f, indent=2)
print(json.dumps({
    "state_bucket": f"{NAME}-state", "lock_table": f"{NAME}-locks", "environment": ENVIRONMENT,
    "account_id": account, "site_bucket_name": SITE_BUCKET, "distribution_id": dist["Id"],
    "cluster_name": NAME, "service_name": NAME,
    "database_master_secret_arn": secret_arn,
    "database_secret_arn": task_secret_arns[f"{NAME}-db-app-user-"][1],
    "session_keys_secret_arn": task_secret_arns[f"{NAME}-session-keys-"][1],
    "alarm_topic_arn": topic,
}))
