output "repository_url" {
  description = "ECR repository URL (images are pushed and referenced by digest)."
  value       = module.registry.repository_url
}

output "repository_arn" {
  description = "ARN of the ECR repository (what the service's execution role may pull from)."
  value       = module.registry.repository_arn
}

output "cache_endpoint" {
  description = "host:port of the memcached configuration endpoint."
  value       = module.cache.configuration_endpoint
}

output "database_endpoint" {
  description = "Aurora writer endpoint (DNS name)."
  value       = module.database.endpoint
}

output "database_reader_endpoint" {
  description = "Aurora reader endpoint (DNS name)."
  value       = module.database.reader_endpoint
}

output "database_port" {
  description = "MySQL port."
  value       = module.database.port
}

output "database_name" {
  description = "Schema name."
  value       = module.database.database_name
}

output "database_secret_arn" {
  description = "Secrets Manager secret (JSON username/password) of the application user, the service's only database secret; written by grant-app-user.js (no value until then)."
  value       = module.database.app_user_secret_arn
}

output "database_app_username" {
  description = "Name of the application's database user (the release's grant-app-user.js creates it)."
  value       = module.database.app_username
}

output "database_master_secret_arn" {
  description = "Secrets Manager secret (JSON username/password) managed by RDS for the master user: the migrator's (migrations, grant-app-user.js), never the service's."
  value       = module.database.master_user_secret_arn
}

output "cache_security_group_id" {
  description = "Security group of the cache."
  value       = module.cache.security_group_id
}

output "database_security_group_id" {
  description = "Security group of the database."
  value       = module.database.security_group_id
}

output "cache_servers" {
  description = "Comma-separated host:port of every memcached node (clients without auto-discovery spread keys over all nodes)."
  value       = join(",", module.cache.node_endpoints)
}
