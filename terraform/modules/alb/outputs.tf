output "alb_arn" {
  description = "ARN of the application load balancer."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "ARN suffix of the ALB (CloudWatch dimension LoadBalancer)."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "DNS name of the ALB (CloudFront's API origin when no domain is given)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Route 53 zone ID of the ALB, for alias records."
  value       = aws_lb.this.zone_id
}

output "listener_arn" {
  description = "ARN of the listener (HTTPS with a certificate, HTTP otherwise)."
  value       = local.listener_arn
}

output "origin_domain_name" {
  description = "Name CloudFront uses to reach the ALB: domain_name when set (matches the certificate), the ALB's DNS name otherwise."
  value       = local.https ? var.domain_name : aws_lb.this.dns_name
}

output "listener_protocol" {
  description = "Protocol of the listener: HTTPS or HTTP; CloudFront's origin protocol policy follows it."
  value       = local.https ? "HTTPS" : "HTTP"
}

output "security_group_id" {
  description = "ID of the ALB's security group: the service admits only this group."
  value       = aws_security_group.this.id
}

output "target_group_arn" {
  description = "ARN of the target group the ECS service registers its tasks in."
  value       = aws_lb_target_group.this.arn
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (CloudWatch dimension TargetGroup)."
  value       = aws_lb_target_group.this.arn_suffix
}
