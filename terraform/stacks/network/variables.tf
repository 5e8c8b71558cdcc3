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
