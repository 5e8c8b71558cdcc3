# Shared by every stack (kept identical): region, environment, event_name, project.
variable "region" {
  description = "AWS region of the stack."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region such as ap-northeast-2."
  }
}

variable "environment" {
  description = "Environment name (e.g. prod, staging); part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment))
    error_message = "environment must be 2-12 lowercase letters and digits, starting with a letter."
  }
}

variable "event_name" {
  description = "Name of the event (tag Event on every resource; scopes the staff's permissions)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.event_name))
    error_message = "event_name must be lowercase letters, digits and hyphens (max 63)."
  }
}

variable "project" {
  description = "Project name, first part of every resource name."
  type        = string
  default     = "eventmall"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.project))
    error_message = "project must be 2-16 lowercase letters and digits, starting with a letter."
  }
}

# Stack-specific inputs.
variable "vpc_id" {
  description = "ID of the VPC (network stack output)."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC (network stack output)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of the internal ALB (network stack output), at least two in different zones."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids must list at least two private subnets (an ALB spans two zones or more)."
  }
}

variable "site_bucket_name" {
  description = "Name of the site bucket; empty: \"<project>-<environment>-site-<account id>\"."
  type        = string
  default     = ""
}

variable "domain_name" {
  description = "Viewer domain of the shop (e.g. shop.example.com); empty to use the cloudfront.net name. The API origin then gets \"origin.<domain_name>\"."
  type        = string
  default     = ""
}

variable "hosted_zone_id" {
  description = "Route 53 public zone of domain_name; required when domain_name is set."
  type        = string
  default     = ""

  validation {
    condition     = var.hosted_zone_id == "" || can(regex("^Z[A-Z0-9]+$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be empty or a Route 53 zone ID."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_200"
}

variable "web_acl_arn" {
  description = "Existing WAFv2 web ACL (CLOUDFRONT scope) to attach; empty: the edge module creates one with rate rules on session and order creation."
  type        = string
  default     = ""
}

variable "container_port" {
  description = "Port the API containers listen on (the target group's port)."
  type        = number
  default     = 8080
}

variable "vpc_origin_security_group_id" {
  description = "Security group AWS created for the CloudFront VPC origin (CloudFront-VPCOrigins-Service-SG, exists after the first apply); set it in a later apply to admit only that group at the ALB instead of CloudFront's origin-facing prefix list. Empty: the prefix list."
  type        = string
  default     = ""

  validation {
    condition     = var.vpc_origin_security_group_id == "" || can(regex("^sg-[0-9a-f]{8,17}$", var.vpc_origin_security_group_id))
    error_message = "vpc_origin_security_group_id must be empty or a security group ID (sg-...)."
  }
}
