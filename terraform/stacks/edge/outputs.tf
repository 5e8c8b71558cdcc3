output "site_bucket_name" {
  description = "Private S3 bucket the frontend build is synced to."
  value       = module.edge.bucket_name
}

output "distribution_id" {
  description = "CloudFront distribution to invalidate after a sync."
  value       = module.edge.distribution_id
}

output "distribution_domain_name" {
  description = "The distribution's cloudfront.net name."
  value       = module.edge.distribution_domain_name
}

output "site_url" {
  description = "Public HTTPS URL of the shop."
  value       = module.edge.site_url
}

output "alb_arn" {
  description = "ARN of the ALB."
  value       = module.alb.alb_arn
}

output "alb_dns_name" {
  description = "DNS name of the ALB (reachable only from CloudFront)."
  value       = module.alb.alb_dns_name
}

output "alb_listener_arn" {
  description = "ARN of the ALB listener."
  value       = module.alb.listener_arn
}

output "alb_security_group_id" {
  description = "Security group of the ALB (the service admits only it)."
  value       = module.alb.security_group_id
}

output "alb_target_group_arn" {
  description = "Target group the ECS service registers in."
  value       = module.alb.target_group_arn
}
