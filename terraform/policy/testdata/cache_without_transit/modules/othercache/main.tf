# Broken on purpose (policy test): plaintext cache in a module with no reviewed exception.
variable "transit_encryption_enabled" {
  description = "TLS to memcached."
  type        = bool
  default     = false
}

resource "aws_elasticache_cluster" "this" {
  cluster_id                 = "cache2"
  engine                     = "memcached"
  num_cache_nodes            = 2
  transit_encryption_enabled = var.transit_encryption_enabled
}
