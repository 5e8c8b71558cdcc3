output "deployer_role_arn" {
  description = "ARN of the CI deployer role (assumed through OIDC web identity, no access keys)."
  value       = aws_iam_role.deployer.arn
}

output "plan_role_arn" {
  description = "ARN of the read-only CI plan role (pull/merge request plans, assumed through OIDC web identity)."
  value       = aws_iam_role.plan.arn
}

output "permissions_boundary_arn" {
  description = "ARN of the permissions boundary every role the CI deployer creates must carry."
  value       = aws_iam_policy.workload_boundary.arn
}

output "staff_role_arn" {
  description = "ARN of the event-staff role (assumed by members of the staff group, with MFA)."
  value       = aws_iam_role.staff.arn
}

output "staff_group_name" {
  description = "Name of the IAM group whose members may assume the staff role."
  value       = aws_iam_group.staff.name
}

output "alarm_topic_arn" {
  description = "ARN of the encrypted SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "kms_key_arn" {
  description = "ARN of the event's KMS key (trail, alarm topic, log groups)."
  value       = aws_kms_key.this.arn
}

output "trail_bucket_name" {
  description = "Name of the CloudTrail bucket (the audit trail; kept after the event)."
  value       = aws_s3_bucket.trail.id
}

output "trail_arn" {
  description = "ARN of the CloudTrail trail."
  value       = aws_cloudtrail.this.arn
}

output "oidc_provider_arns" {
  description = "ARNs of the OIDC providers trusted by the deployer and plan roles, by CI vendor."
  value       = { for k, p in aws_iam_openid_connect_provider.ci : k => p.arn }
}
