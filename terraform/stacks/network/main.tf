data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:The stack takes a fixed count of zones (slice of the sorted names, az_count), so a new zone never changes the set silently
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  azs = slice(sort(data.aws_availability_zones.available.names), 0, var.az_count)
}

module "network" {
  source = "../../modules/network"

  permissions_boundary_arn = var.permissions_boundary_arn

  name               = local.name
  cidr_block         = var.vpc_cidr
  availability_zones = local.azs
  logs_kms_key_arn   = var.logs_kms_key_arn
  private_zone_name  = var.private_zone_name
  tags               = local.tags
}

# The bastion takes no inbound connection (SSM Session Manager), so it sits in a private subnet
# and reaches the SSM endpoints through its zone's NAT gateway; see modules/bastion/README.md.
module "bastion" {
  source = "../../modules/bastion"

  permissions_boundary_arn = var.permissions_boundary_arn

  name           = local.name
  vpc_id         = module.network.vpc_id
  vpc_cidr_block = module.network.vpc_cidr_block
  subnet_id      = module.network.private_subnet_ids[0]
  instance_type  = var.bastion_instance_type
  tags           = local.tags
}
