output "cluster_identifier" {
  description = "Identifier of the Aurora cluster."
  value       = aws_rds_cluster.this.cluster_identifier
}

output "cluster_arn" {
  description = "ARN of the Aurora cluster."
  value       = aws_rds_cluster.this.arn
}

output "endpoint" {
  description = "Writer endpoint (DNS name) of the cluster."
  value       = aws_rds_cluster.this.endpoint
}

output "reader_endpoint" {
  description = "Load-balanced reader endpoint (DNS name) of the cluster."
  value       = aws_rds_cluster.this.reader_endpoint
}

output "port" {
  description = "MySQL port."
  value       = aws_rds_cluster.this.port
}

output "database_name" {
  description = "Name of the schema created with the cluster."
  value       = aws_rds_cluster.this.database_name
}

output "master_username" {
  description = "Master user name."
  value       = aws_rds_cluster.this.master_username
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret (JSON username/password) RDS manages for the master user."
  value       = aws_rds_cluster.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "ID of the database's security group."
  value       = aws_security_group.this.id
}

output "instance_availability_zones" {
  description = "Availability zone of each instance: the writer first, then the readers."
  value       = aws_rds_cluster_instance.this[*].availability_zone
}

output "app_user_secret_arn" {
  description = "Secrets Manager secret of the application user (JSON username/password, written by grant-app-user.js; no value until then): the only database secret the service reads."
  value       = aws_secretsmanager_secret.app_user.arn
}

output "app_username" {
  description = "Name of the application's database user."
  value       = var.app_username
}
