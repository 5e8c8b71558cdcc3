output "deployer_role_arn" {
  description = "ARN of the CI deployer role (OIDC)."
  value       = module.base.deployer_role_arn
}

output "plan_role_arn" {
  description = "ARN of the read-only CI plan role (pull/merge request plans, OIDC)."
  value       = module.base.plan_role_arn
}

output "permissions_boundary_arn" {
  description = "ARN of the permissions boundary every role created by the deployer carries (input of network, data and service)."
  value       = module.base.permissions_boundary_arn
}

output "staff_role_arn" {
  description = "ARN of the event-staff role."
  value       = module.base.staff_role_arn
}

output "staff_group_name" {
  description = "IAM group of the event staff."
  value       = module.base.staff_group_name
}

output "alarm_topic_arn" {
  description = "ARN of the alarm SNS topic."
  value       = module.base.alarm_topic_arn
}

output "logs_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the event's log groups (input of network and service)."
  value       = module.base.kms_key_arn
}

output "trail_bucket_name" {
  description = "Name of the CloudTrail bucket (kept after the event)."
  value       = module.base.trail_bucket_name
}
