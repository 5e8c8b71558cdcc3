variable "name" {
  description = "Name prefix of the load balancer's resources (the ALB name is limited to 32 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,26}[a-z0-9]$", var.name))
    error_message = "name must be 3-28 characters of lowercase letters, digits and hyphens, starting with a letter."
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

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC: the ALB may only open connections to targets inside it."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr_block))
    error_message = "vpc_cidr_block must be a valid IPv4 CIDR block."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets of the internal ALB, at least two in different availability zones (no route from the internet)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2 && alltrue([for s in var.private_subnet_ids : startswith(s, "subnet-")])
    error_message = "private_subnet_ids must list at least two subnet IDs."
  }
}

variable "domain_name" {
  description = "DNS name of the API origin (e.g. \"origin.shop.example.com\"). When set, a regional ACM certificate, an HTTPS listener and a Route 53 alias are created; empty: HTTP listener (no-domain mode: reached only by the CloudFront VPC origin inside the VPC; CloudFront still serves viewers over HTTPS only)."
  type        = string
  default     = ""

  validation {
    condition     = var.domain_name == "" || can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.domain_name))
    error_message = "domain_name must be empty or a lowercase DNS name."
  }
}

variable "hosted_zone_id" {
  description = "Route 53 public hosted zone of domain_name (for certificate validation and the alias); required when domain_name is set."
  type        = string
  default     = ""

  validation {
    condition     = var.hosted_zone_id == "" || can(regex("^Z[A-Z0-9]+$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be empty or a Route 53 zone ID (Z...)."
  }
}

variable "vpc_origin_security_group_id" {
  description = "ID of the security group AWS creates for the CloudFront VPC origin (CloudFront-VPCOrigins-Service-SG) once the origin exists; when set, the ALB admits only that group instead of CloudFront's origin-facing prefix list. Empty: the prefix list."
  type        = string
  default     = ""

  validation {
    condition     = var.vpc_origin_security_group_id == "" || can(regex("^sg-[0-9a-f]{8,17}$", var.vpc_origin_security_group_id))
    error_message = "vpc_origin_security_group_id must be empty or a security group ID (sg-...)."
  }
}

variable "target_port" {
  description = "Port the ECS tasks listen on."
  type        = number
  default     = 8080

  validation {
    condition     = var.target_port > 0 && var.target_port < 65536
    error_message = "target_port must be a TCP port."
  }
}

variable "health_check_path" {
  description = "Path of the target group's health check; failing targets are taken out of rotation."
  type        = string
  default     = "/healthz"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with /."
  }
}

variable "routed_path_patterns" {
  description = "Path patterns forwarded to the service; every other path gets 403."
  type        = list(string)
  default     = ["/api/*", "/healthz", "/readyz"]

  validation {
    condition     = length(var.routed_path_patterns) >= 1 && length(var.routed_path_patterns) <= 5
    error_message = "routed_path_patterns must list 1 to 5 patterns (one ALB rule condition holds at most 5 values)."
  }
}

variable "deregistration_delay" {
  description = "Seconds a draining target keeps its in-flight requests."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay >= 0 && var.deregistration_delay <= 3600
    error_message = "deregistration_delay must be between 0 and 3600 seconds."
  }
}

variable "idle_timeout" {
  description = "Idle timeout of the load balancer in seconds."
  type        = number
  default     = 60

  validation {
    condition     = var.idle_timeout >= 1 && var.idle_timeout <= 4000
    error_message = "idle_timeout must be between 1 and 4000 seconds."
  }
}

variable "deletion_protection" {
  description = "Protect the ALB from deletion. Off by default: the ALB is per event and is torn down after it."
  type        = bool
  default     = false
}

variable "access_logs_bucket" {
  description = "S3 bucket for ALB access logs; empty to disable."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
