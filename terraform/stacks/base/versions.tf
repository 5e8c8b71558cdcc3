terraform {
  # S3-native state locking (use_lockfile) is in OpenTofu and Terraform from 1.10.0 on.
  required_version = ">= 1.10.0"

  # Partial configuration: bucket, key, region (and an optional dynamodb_table, for older
  # setups) come from `tofu init -backend-config=...` (see terraform/README.md). State locks
  # are S3 objects next to the state (<key>.tflock), so no DynamoDB table is needed.
  backend "s3" {
    use_lockfile = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.82.0, < 7.0.0"
    }
  }
}
