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

variable "private_subnet_ids" {
  description = "Private subnets of the cache and the database (network stack output)."
  type        = list(string)
}

variable "availability_zones" {
  description = "Availability zones in subnet order (network stack output): writer in the first, readers in the others."
  type        = list(string)
}

variable "bastion_security_group_id" {
  description = "Security group of the bastion (network stack output), admitted by cache and database."
  type        = string
}

variable "cache_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "cache_nodes" {
  description = "Number of memcached nodes."
  type        = number
  default     = 2
}

variable "database_instance_class" {
  description = "Aurora instance class of writer and readers."
  type        = string
  default     = "db.r6g.large"
}

variable "database_engine_version" {
  description = "Aurora MySQL 3 (MySQL 8.0) engine version."
  type        = string
  default     = "8.0.mysql_aurora.3.08.2"
}

variable "database_skip_final_snapshot" {
  description = "Skip the final snapshot at teardown (false keeps \"<name>-final\" of the orders)."
  type        = bool
  default     = false
}

variable "database_deletion_protection" {
  description = "Deletion protection of the cluster: on by default; set false in a reviewed change, deployed, before teardown."
  type        = bool
  default     = true
}

variable "database_require_secure_transport" {
  description = "Refuse non-TLS MySQL connections (the API connects with DB_TLS = verify against the RDS CA bundle)."
  type        = bool
  default     = true
}

variable "repository_name" {
  description = "Name of the ECR repository; empty: \"<project>-<environment>/backend\"."
  type        = string
  default     = ""
}

variable "logs_kms_key_arn" {
  description = "KMS key of the log groups (base stack output)."
  type        = string
}

variable "permissions_boundary_arn" {
  description = "ARN of the workload permissions boundary (output of base): every IAM role of this stack carries it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}
