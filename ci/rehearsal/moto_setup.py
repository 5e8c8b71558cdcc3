#!/usr/bin/env python3
"""Creates, in a moto server, the AWS resources a deploy rehearsal uses, and
points the rehearsal's fixture stacks at them.

The fixture stacks (terraform/fixtures/rehearsal) are built from
terraform_data only (no AWS provider can be had here), so the real
resources that the steps after Terraform talk to (S3 bucket, CloudFront
distribution, ECS service, the state bucket and lock table) are created
here, and their names are written as each fixture's
rehearsal.auto.tfvars.json (gitignored), which terraform loads by itself.

Usage: moto_setup.py ENDPOINT REGISTRY REPO_ROOT
"""
import json
import os
import sys

import boto3

ENDPOINT, REGISTRY, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]
REGION = os.environ.get("AWS_REGION", "us-east-1")
NAME = "eventmall-rehearsal"


def client(service):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION)


s3 = client("s3")
for bucket in (f"{NAME}-state", f"{NAME}-site"):
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
s3.put_bucket_versioning(Bucket=f"{NAME}-state", VersioningConfiguration={"Status": "Enabled"})
# Visitors read the site through CloudFront, which reads the private bucket
# with Origin Access Control. moto has no CloudFront data plane, so the
# smoke test reads the bucket itself: allow anonymous GetObject on it here.
s3.put_bucket_policy(Bucket=f"{NAME}-site", Policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "CloudFrontStandIn", "Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{NAME}-site/*",
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
            "Id": "site", "DomainName": f"{NAME}-site.s3.amazonaws.com",
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
ecs.register_task_definition(
    family=f"{NAME}-api",
    requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
    containerDefinitions=[{"name": "api", "image": f"{REGISTRY}/rehearsal/eventmall-backend:latest", "essential": True}],
)
services = ecs.describe_services(cluster=NAME, services=[f"{NAME}-api"])["services"]
if not any(s["status"] == "ACTIVE" for s in services):
    ecs.create_service(cluster=NAME, serviceName=f"{NAME}-api", taskDefinition=f"{NAME}-api", desiredCount=2)

fixtures = {
    "edge": {
        "site_bucket_name": f"{NAME}-site",
        "distribution_id": dist["Id"],
        "site_url": f"{ENDPOINT}/{NAME}-site/index.html",
    },
    "data": {"repository_url": f"{REGISTRY}/rehearsal/eventmall-backend"},
    "service": {"cluster_name": NAME, "service_name": f"{NAME}-api"},
}
# The smoke test's API check: a real backend the caller runs (ci/test.sh
# keeps the e2e backend up for this), standing in for CloudFront's /api/*.
if os.environ.get("REHEARSAL_API_HEALTH_URL"):
    fixtures["service"]["api_health_url"] = os.environ["REHEARSAL_API_HEALTH_URL"]
for stack, values in fixtures.items():
    path = os.path.join(ROOT, "terraform/fixtures/rehearsal", stack, "rehearsal.auto.tfvars.json")
    with open(path, "w") as f:
        json.dump(values, f, indent=2)
print(json.dumps({"state_bucket": f"{NAME}-state", "lock_table": f"{NAME}-locks", **fixtures}))
