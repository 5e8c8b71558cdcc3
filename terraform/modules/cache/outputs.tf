output "configuration_endpoint" {
  description = "host:port of the cluster's configuration endpoint (auto-discovery of all nodes)."
  value       = aws_elasticache_cluster.this.configuration_endpoint
}

output "cluster_address" {
  description = "DNS name of the configuration endpoint, without port."
  value       = aws_elasticache_cluster.this.cluster_address
}

output "port" {
  description = "memcached port."
  value       = var.port
}

output "node_endpoints" {
  description = "host:port of every node, for clients without auto-discovery."
  value       = [for n in aws_elasticache_cluster.this.cache_nodes : "${n.address}:${n.port}"]
}

output "cluster_id" {
  description = "ID of the ElastiCache cluster."
  value       = aws_elasticache_cluster.this.cluster_id
}

output "security_group_id" {
  description = "ID of the cache's security group."
  value       = aws_security_group.this.id
}
