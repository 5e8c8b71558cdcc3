#!/usr/bin/env python3
"""Creates, in a moto server, the AWS resources a deploy rehearsal talks to
after Terraform, and writes the values file of the offline AWS provider so
that what Terraform reports for them is what moto holds.

The rehearsal plans and applies the real stacks (terraform/stacks) through
the offline provider (terraform/offline-provider), which creates nothing in
moto. The steps after Terraform (sync to the site bucket, CloudFront
invalidation, ECS wait) need real objects: they are created here, named as
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
s3.put_bucket_versioning(Bucket=f"{NAME}-state", VersioningConfiguration={"Status": "Enabled"})
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
# stack's database_secret_arn is this secret (values file below), and the
# deploy's MariaDB stand-in is created with it. A fresh password per emulator.
sm = client("secretsmanager")
secret_name = f"rds!cluster-{NAME}"
try:
    secret_arn = sm.describe_secret(SecretId=secret_name)["ARN"]
except sm.exceptions.ResourceNotFoundException:
    secret_arn = sm.create_secret(Name=secret_name, SecretString=json.dumps(
        {"username": "eventmall_admin", "password": secrets.token_hex(16)}))["ARN"]

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
    ],
}
if VALUES_FILE:
    with open(VALUES_FILE, "w") as f:
        json.dump(values, f, indent=2)
print(json.dumps({
    "state_bucket": f"{NAME}-state", "lock_table": f"{NAME}-locks", "environment": ENVIRONMENT,
    "account_id": account, "site_bucket_name": SITE_BUCKET, "distribution_id": dist["Id"],
    "cluster_name": NAME, "service_name": NAME,
    "database_secret_arn": secret_arn,
}))
