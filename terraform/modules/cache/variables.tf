variable "name" {
  description = "Name of the cache cluster (ElastiCache cluster IDs are at most 40 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,38}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2-40 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "ID of the VPC."
  type        = string

  validation {
    condition     = startswith(var.vpc_id, "vpc-")
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the cache nodes (at least two availability zones)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two private subnets."
  }
}

variable "availability_zones" {
  description = "Availability zones to place the nodes in, round-robin; empty lets ElastiCache spread them."
  type        = list(string)
  default     = []
}

variable "allowed_security_group_ids" {
  description = "Security groups admitted on the memcached port, by reference (the bastion; the service adds its own rule). Never CIDRs."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : startswith(s, "sg-")])
    error_message = "allowed_security_group_ids must be security group IDs (sg-...)."
  }
}

variable "node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"

  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache node type (cache.*)."
  }
}

variable "num_cache_nodes" {
  description = "Number of memcached nodes, spread across availability zones."
  type        = number
  default     = 2

  validation {
    condition     = var.num_cache_nodes >= 2 && var.num_cache_nodes <= 40
    error_message = "num_cache_nodes must be between 2 (one per zone at least) and 40."
  }
}

variable "engine_version" {
  description = "memcached engine version (1.6.12+ supports in-transit encryption)."
  type        = string
  default     = "1.6.22"

  validation {
    condition     = can(regex("^1\\.6\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a memcached 1.6.x version."
  }
}

variable "port" {
  description = "memcached port."
  type        = number
  default     = 11211

  validation {
    condition     = var.port > 0 && var.port < 65536
    error_message = "port must be a TCP port."
  }
}

variable "transit_encryption_enabled" {
  description = "TLS between clients and memcached. Off by default: the backend's memcached client speaks plain text; traffic stays inside private subnets between allow-listed security groups."
  type        = bool
  default     = false
}

variable "maintenance_window" {
  description = "Weekly maintenance window (UTC), away from the midnight rush of the event's time zone."
  type        = string
  default     = "tue:10:00-tue:11:00"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must look like ddd:hh24:mi-ddd:hh24:mi."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
