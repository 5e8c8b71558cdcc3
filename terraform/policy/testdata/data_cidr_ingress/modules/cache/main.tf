resource "aws_security_group" "cache" {
  name = "cache"
}

resource "aws_vpc_security_group_ingress_rule" "vpc" {
  security_group_id = aws_security_group.cache.id
  ip_protocol       = "tcp"
  from_port         = 11211
  to_port           = 11211
  cidr_ipv4         = "10.0.0.0/16"
}

resource "aws_elasticache_cluster" "this" {
  engine             = "memcached"
  security_group_ids = [aws_security_group.cache.id]
}
