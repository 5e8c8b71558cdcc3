variable "name" {
  description = "Name prefix for every resource of the network (e.g. \"eventmall-prod\")."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr_block)) && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "cidr_block must be a valid IPv4 CIDR block of /20 or larger."
  }
}

variable "availability_zones" {
  description = "Availability zones to spread the subnets over; one public and one private subnet, and one NAT gateway, per zone."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list at least two distinct zones for high availability."
  }
}

variable "public_subnet_newbits" {
  description = "Bits added to the VPC prefix to size each public subnet (4 on a /16 gives /20 subnets)."
  type        = number
  default     = 8

  validation {
    condition     = var.public_subnet_newbits >= 2 && var.public_subnet_newbits <= 12
    error_message = "public_subnet_newbits must be between 2 and 12."
  }
}

variable "private_subnet_newbits" {
  description = "Bits added to the VPC prefix to size each private subnet."
  type        = number
  default     = 4

  validation {
    condition     = var.private_subnet_newbits >= 2 && var.private_subnet_newbits <= 12
    error_message = "private_subnet_newbits must be between 2 and 12."
  }
}

variable "flow_logs_retention_days" {
  description = "Retention of the VPC flow logs in CloudWatch Logs, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs_retention_days)
    error_message = "flow_logs_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "logs_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the flow-log group (the base stack's logs key)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.logs_kms_key_arn))
    error_message = "logs_kms_key_arn must be a KMS key ARN."
  }
}

variable "private_zone_name" {
  description = "Name of a private Route 53 hosted zone attached to the VPC for internal names (e.g. \"eventmall.internal\"); empty for none."
  type        = string
  default     = ""

  validation {
    condition     = var.private_zone_name == "" || can(regex("^[a-z0-9.-]+$", var.private_zone_name))
    error_message = "private_zone_name must be empty or a DNS name."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "ARN of the permissions boundary the module's IAM roles carry (the base stack's permissions_boundary_arn): the CI deployer may create roles only with it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}
