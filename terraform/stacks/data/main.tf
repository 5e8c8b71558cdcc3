module "registry" {
  source = "../../modules/registry"

  name = var.repository_name != "" ? var.repository_name : "${local.name}/backend"
  tags = local.tags
}

module "cache" {
  source = "../../modules/cache"

  name                       = "${local.name}-cache"
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.private_subnet_ids
  availability_zones         = var.availability_zones
  node_type                  = var.cache_node_type
  num_cache_nodes            = var.cache_nodes
  allowed_security_group_ids = [var.bastion_security_group_id]
  tags                       = local.tags
}

# The service stack adds its own ingress rules to both groups (it is created after this stack).
# memcached never opens connections, so no cache -> database rule is created: it would be
# dead privilege.
module "database" {
  source = "../../modules/database"

  permissions_boundary_arn = var.permissions_boundary_arn

  name                       = "${local.name}-db"
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.private_subnet_ids
  availability_zones         = var.availability_zones
  engine_version             = var.database_engine_version
  instance_class             = var.database_instance_class
  allowed_security_group_ids = [var.bastion_security_group_id]
  skip_final_snapshot        = var.database_skip_final_snapshot
  deletion_protection        = var.database_deletion_protection
  require_secure_transport   = var.database_require_secure_transport
  logs_kms_key_arn           = var.logs_kms_key_arn
  secrets_kms_key_arn        = var.logs_kms_key_arn
  tags                       = local.tags
}
