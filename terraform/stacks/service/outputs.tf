output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.service.cluster_name
}

output "service_name" {
  description = "Name of the ECS service."
  value       = module.service.service_name
}

output "api_health_url" {
  description = "URL of the API health check through CloudFront (smoke test)."
  value       = "${trimsuffix(var.site_url, "/")}/healthz"
}

output "service_security_group_id" {
  description = "Security group of the tasks."
  value       = module.service.security_group_id
}

output "log_group_name" {
  description = "CloudWatch log group of the API."
  value       = module.service.log_group_name
}

output "task_definition_arn" {
  description = "Task definition revision deployed."
  value       = module.service.task_definition_arn
}

output "session_keys_secret_arn" {
  description = "Secrets Manager secret of the session signing keys (SESSION_KEYS): run backend/src/cli/session-keys.js against it before the first tasks start, and to rotate."
  value       = module.service.session_keys_secret_arn
}

output "migrator_role_arn" {
  description = "Role the deploy's release task runs as (db-release, grant-app-user, session-keys --if-empty)."
  value       = module.service.migrator_role_arn
}
