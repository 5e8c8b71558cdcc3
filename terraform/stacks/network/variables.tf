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
variable "logs_kms_key_arn" {
  description = "KMS key of the log groups (base stack output)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.logs_kms_key_arn))
    error_message = "logs_kms_key_arn must be a KMS key ARN."
  }
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Number of availability zones to use (subnets, NAT gateways)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "bastion_instance_type" {
  description = "Instance type of the SSM bastion."
  type        = string
  default     = "t3.micro"
}

variable "private_zone_name" {
  description = "Private Route 53 zone for internal names; empty for none."
  type        = string
  default     = ""
}

variable "permissions_boundary_arn" {
  description = "ARN of the workload permissions boundary (output of base): every IAM role of this stack carries it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}
