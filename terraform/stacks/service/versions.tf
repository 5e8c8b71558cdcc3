terraform {
  required_version = ">= 1.5.0"

  # Partial configuration: bucket, key, region and dynamodb_table come from
  # `terraform init -backend-config=...` (see terraform/README.md).
  backend "s3" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.81.0, < 7.0.0"
    }
  }
}
