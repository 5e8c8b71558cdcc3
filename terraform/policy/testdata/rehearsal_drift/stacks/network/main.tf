terraform {
  backend "s3" {}
}

output "vpc_id" {
  description = "VPC."
  value       = "vpc-1"
}
