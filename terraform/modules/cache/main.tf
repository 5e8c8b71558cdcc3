resource "aws_elasticache_subnet_group" "this" {
  name        = var.name
  description = "Private subnets of ${var.name}"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-cache-"
  description = "memcached: ingress only from allow-listed security groups, no egress"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-cache" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "allowed" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "memcached from an allow-listed security group"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
}

resource "aws_elasticache_cluster" "this" {
  cluster_id                   = var.name
  engine                       = "memcached"
  engine_version               = var.engine_version
  node_type                    = var.node_type
  num_cache_nodes              = var.num_cache_nodes
  port                         = var.port
  az_mode                      = "cross-az"
  preferred_availability_zones = length(var.availability_zones) == 0 ? null : [for i in range(var.num_cache_nodes) : var.availability_zones[i % length(var.availability_zones)]]
  subnet_group_name            = aws_elasticache_subnet_group.this.name
  security_group_ids           = [aws_security_group.this.id]
  maintenance_window           = var.maintenance_window
  transit_encryption_enabled   = var.transit_encryption_enabled
  apply_immediately            = false

  tags = var.tags
}
