data "aws_caller_identity" "current" {}

locals {
  site_bucket_name = var.site_bucket_name != "" ? var.site_bucket_name : "${local.name}-site-${data.aws_caller_identity.current.account_id}"
  origin_domain    = var.domain_name == "" ? "" : "origin.${var.domain_name}"
}

module "alb" {
  source = "../../modules/alb"

  name                         = local.name
  vpc_id                       = var.vpc_id
  vpc_cidr_block               = var.vpc_cidr_block
  private_subnet_ids           = var.private_subnet_ids
  domain_name                  = local.origin_domain
  hosted_zone_id               = var.hosted_zone_id
  target_port                  = var.container_port
  vpc_origin_security_group_id = var.vpc_origin_security_group_id
  tags                         = local.tags
}

module "edge" {
  source = "../../modules/edge"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name                   = local.name
  bucket_name            = local.site_bucket_name
  api_origin_alb_arn     = module.alb.alb_arn
  api_origin_domain_name = module.alb.origin_domain_name
  api_origin_protocol    = module.alb.listener_protocol
  domain_name            = var.domain_name
  hosted_zone_id         = var.hosted_zone_id
  price_class            = var.price_class
  web_acl_arn            = var.web_acl_arn
  tags                   = local.tags
}
