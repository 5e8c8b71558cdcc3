locals {
  https         = var.domain_name != ""
  listener_port = local.https ? 443 : 80
}

resource "aws_acm_certificate" "origin" {
  count = local.https ? 1 : 0

  domain_name       = var.domain_name
  validation_method = "DNS"

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "origin_validation" {
  for_each = local.https ? {
    for o in aws_acm_certificate.origin[0].domain_validation_options : o.domain_name => o
  } : {}

  zone_id         = var.hosted_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  ttl             = 300
  records         = [each.value.resource_record_value]
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "origin" {
  count = local.https ? 1 : 0

  certificate_arn         = aws_acm_certificate.origin[0].arn
  validation_record_fqdns = [for r in aws_route53_record.origin_validation : r.fqdn]
}

resource "aws_route53_record" "origin" {
  count = local.https ? 1 : 0

  zone_id = var.hosted_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}

# CloudFront's origin-facing address ranges, maintained by AWS. The ALB is internal (private
# subnets, no public address): only the CloudFront VPC origin's network interfaces inside this VPC
# can open a connection to it, and AWS documents this prefix list as the ingress that admits them.
# Once the VPC origin exists, AWS has created the security group CloudFront-VPCOrigins-Service-SG
# in the VPC; vpc_origin_security_group_id narrows the ingress to exactly that group.
data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-alb-"
  description = "Internal ALB: ingress only from the CloudFront VPC origin; egress only to targets in the VPC"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "cloudfront" {
  count = var.vpc_origin_security_group_id == "" ? 1 : 0

  security_group_id = aws_security_group.this.id
  description       = "Listener port from the CloudFront VPC origin (CloudFront origin-facing prefix list)"
  ip_protocol       = "tcp"
  from_port         = local.listener_port
  to_port           = local.listener_port
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
}

resource "aws_vpc_security_group_ingress_rule" "vpc_origin" {
  count = var.vpc_origin_security_group_id == "" ? 0 : 1

  security_group_id            = aws_security_group.this.id
  description                  = "Listener port from the CloudFront VPC origin's service security group only"
  ip_protocol                  = "tcp"
  from_port                    = local.listener_port
  to_port                      = local.listener_port
  referenced_security_group_id = var.vpc_origin_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "targets" {
  security_group_id = aws_security_group.this.id
  description       = "Target port of the ECS tasks inside the VPC"
  ip_protocol       = "tcp"
  from_port         = var.target_port
  to_port           = var.target_port
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_28:WAF belongs on the CloudFront distribution in front (edge module web_acl_arn); the ALB is internal and reached only through the CloudFront VPC origin
  #checkov:skip=CKV2_AWS_20:The HTTP listener exists only without a domain (no certificate possible) and is reached only by the CloudFront VPC origin inside the VPC; CloudFront serves viewers over HTTPS only
  #checkov:skip=CKV_AWS_150:Deletion protection is a variable, off by default so the per-event ALB tears down cleanly after the event
  #checkov:skip=CKV_AWS_91:Access logging is a variable (access_logs_bucket); CloudFront and the ECS logs already record every request
  name                       = "${var.name}-alb"
  load_balancer_type         = "application"
  internal                   = true
  subnets                    = var.private_subnet_ids
  security_groups            = [aws_security_group.this.id]
  drop_invalid_header_fields = true
  idle_timeout               = var.idle_timeout
  enable_deletion_protection = var.deletion_protection

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == "" ? [] : [var.access_logs_bucket]

    content {
      bucket  = access_logs.value
      prefix  = var.name
      enabled = true
    }
  }

  tags = var.tags
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; ALB to task traffic stays inside the VPC between security groups that admit only each other
  name_prefix          = "em-"
  port                 = var.target_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    path                = var.health_check_path
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }

  tags = merge(var.tags, { Name = "${var.name}-api" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.origin[0].certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      message_body = "{\"error\":\"forbidden\"}"
      status_code  = "403"
    }
  }

  tags = var.tags
}

# No-domain mode only (no certificate can exist for the ALB's amazonaws.com name). The ALB is
# internal: this port is reached only by the CloudFront VPC origin, over AWS's network inside the
# VPC, never across the internet; viewers still reach CloudFront over HTTPS only.
resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:Created only when no domain (hence no certificate) is configured; the internal ALB is reached only by the CloudFront VPC origin inside the VPC
  #checkov:skip=CKV_AWS_103:Same as CKV_AWS_2: the HTTPS listener with a TLS 1.2+ policy is used whenever a certificate exists
  #checkov:skip=CKV2_AWS_20:No redirect possible without a certificate; viewers reach CloudFront over HTTPS only
  count = local.https ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "application/json"
      message_body = "{\"error\":\"forbidden\"}"
      status_code  = "403"
    }
  }

  tags = var.tags
}

locals {
  listener_arn = local.https ? aws_lb_listener.https[0].arn : aws_lb_listener.http[0].arn
}

resource "aws_lb_listener_rule" "api" {
  listener_arn = local.listener_arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }

  condition {
    path_pattern {
      values = var.routed_path_patterns
    }
  }

  tags = var.tags
}
