output "bucket_name" {
  description = "Name of the private site bucket (target of the frontend sync)."
  value       = aws_s3_bucket.site.id
}

output "bucket_arn" {
  description = "ARN of the site bucket."
  value       = aws_s3_bucket.site.arn
}

output "distribution_id" {
  description = "ID of the CloudFront distribution (target of invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution."
  value       = aws_cloudfront_distribution.this.arn
}

output "distribution_domain_name" {
  description = "The distribution's *.cloudfront.net name."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "site_url" {
  description = "Public HTTPS URL of the shop."
  value       = "https://${local.custom_domain ? var.domain_name : aws_cloudfront_distribution.this.domain_name}"
}

output "web_acl_arn" {
  description = "ARN of the web ACL attached to the distribution (created or given); empty when none."
  value       = local.web_acl_arn == null ? "" : local.web_acl_arn
}

output "vpc_origin_id" {
  description = "ID of the CloudFront VPC origin that reaches the internal ALB."
  value       = aws_cloudfront_vpc_origin.api.id
}
