# Broken on purpose: state locks left to a DynamoDB table (no use_lockfile), and a
# required_version that admits terraform 1.5.7, whose S3 backend has no use_lockfile.
terraform {
  required_version = ">= 1.5.0"

  backend "s3" {}
}
