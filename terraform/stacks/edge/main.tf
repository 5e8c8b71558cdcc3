data "aws_caller_identity" "current" {}

locals {
  site_bucket_name = var.site_bucket_name != "" ? var.site_bucket_name : "${local.name}-site-${data.aws_caller_identity.current.account_id}"
  origin_domain    = var.domain_name == "" ? "" : "origin.${var.domain_name}"
}

# Shared secret between CloudFront and the ALB: requests that bypass CloudFront lack it.
resource "random_password" "origin_verify" {
  length  = 48
  special = false
}

module "alb" {
  source = "../../modules/alb"

  name                       = local.name
  vpc_id                     = var.vpc_id
  vpc_cidr_block             = var.vpc_cidr_block
  public_subnet_ids          = var.public_subnet_ids
  domain_name                = local.origin_domain
  hosted_zone_id             = var.hosted_zone_id
  target_port                = var.container_port
  origin_verify_header_value = random_password.origin_verify.result
  tags                       = local.tags
}

module "edge" {
  source = "../../modules/edge"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name                       = local.name
  bucket_name                = local.site_bucket_name
  api_origin_domain_name     = module.alb.origin_domain_name
  api_origin_protocol        = module.alb.listener_protocol
  origin_verify_header_value = random_password.origin_verify.result
  domain_name                = var.domain_name
  hosted_zone_id             = var.hosted_zone_id
  price_class                = var.price_class
  web_acl_arn                = var.web_acl_arn
  tags                       = local.tags
}
