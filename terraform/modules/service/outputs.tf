output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "task_definition_arn" {
  description = "ARN of the task definition revision in use."
  value       = aws_ecs_task_definition.this.arn
}

output "security_group_id" {
  description = "ID of the tasks' security group (the data tier admits it by reference)."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "CloudWatch log group of the containers."
  value       = aws_cloudwatch_log_group.this.name
}

output "task_role_arn" {
  description = "ARN of the task role (the application's AWS identity)."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "ARN of the task execution role."
  value       = aws_iam_role.execution.arn
}

output "session_keys_secret_arn" {
  description = "Secrets Manager secret of the session signing keys (SESSION_KEYS), written and rotated by backend/src/cli/session-keys.js."
  value       = aws_secretsmanager_secret.session_keys.arn
}

output "migrator_role_arn" {
  description = "Role of the deploy's release task (execution and task role): reads the master secret, writes the app user's secret and the session keys."
  value       = aws_iam_role.migrator.arn
}
