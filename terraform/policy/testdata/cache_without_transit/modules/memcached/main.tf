# Broken on purpose (policy test): transit encryption not decided at all.
resource "aws_elasticache_cluster" "this" {
  cluster_id      = "cache"
  engine          = "memcached"
  num_cache_nodes = 2
}
