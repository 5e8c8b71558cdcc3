variable "name" {
  description = "Identifier prefix of the Aurora cluster and its instances."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,50}[a-z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 3-52 lowercase letters, digits and single hyphens, starting with a letter."
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
  description = "Private subnets of the DB subnet group (at least two availability zones)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two private subnets."
  }
}

variable "availability_zones" {
  description = "Availability zones of the instances: the first hosts the writer, the next ones the readers (one instance per zone)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list at least two distinct zones (writer and reader apart)."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups admitted on the MySQL port, by reference (the bastion; the service adds its own rule). Never CIDRs."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : startswith(s, "sg-")])
    error_message = "allowed_security_group_ids must be security group IDs (sg-...)."
  }
}

variable "engine_version" {
  description = "Aurora MySQL engine version (MySQL 8.0 compatible, Aurora 3)."
  type        = string
  default     = "8.0.mysql_aurora.3.08.2"

  validation {
    condition     = startswith(var.engine_version, "8.0.mysql_aurora.3.")
    error_message = "engine_version must be an Aurora MySQL 3 (MySQL 8.0) version: 8.0.mysql_aurora.3.x.y."
  }
}

variable "instance_class" {
  description = "Instance class of the writer and readers."
  type        = string
  default     = "db.r6g.large"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS instance class (db.*)."
  }
}

variable "database_name" {
  description = "Name of the schema created with the cluster."
  type        = string
  default     = "eventmall"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,63}$", var.database_name))
    error_message = "database_name must start with a letter and hold only letters, digits and underscores (max 64)."
  }
}

variable "master_username" {
  description = "Master user name; its password is generated and rotated by RDS in Secrets Manager (never in state or plan)."
  type        = string
  default     = "eventmall_admin"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,15}$", var.master_username)) && !contains(["admin", "root", "rdsadmin"], lower(var.master_username))
    error_message = "master_username must be 1-16 letters, digits or underscores, starting with a letter, and not a reserved name."
  }
}

variable "port" {
  description = "MySQL port."
  type        = number
  default     = 3306

  validation {
    condition     = var.port > 1150 && var.port < 65536
    error_message = "port must be between 1150 and 65535."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for storage, Performance Insights and the master secret; null uses the AWS-managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN."
  }
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "preferred_backup_window" {
  description = "Daily backup window (UTC), hh24:mi-hh24:mi, away from the midnight rush."
  type        = string
  default     = "09:00-10:00"

  validation {
    condition     = can(regex("^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$", var.preferred_backup_window))
    error_message = "preferred_backup_window must look like hh24:mi-hh24:mi."
  }
}

variable "preferred_maintenance_window" {
  description = "Weekly maintenance window (UTC), ddd:hh24:mi-ddd:hh24:mi."
  type        = string
  default     = "tue:10:30-tue:11:30"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):[0-2][0-9]:[0-5][0-9]$", var.preferred_maintenance_window))
    error_message = "preferred_maintenance_window must look like ddd:hh24:mi-ddd:hh24:mi."
  }
}

variable "deletion_protection" {
  description = "Protect the cluster from deletion. On by default; teardown switches it off first, in its own reviewed change."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Skip the final snapshot on destroy. False by default: destroying keeps one snapshot \"<name>-final\" of the orders (outside Terraform)."
  type        = bool
  default     = false
}

variable "require_secure_transport" {
  description = "Refuse unencrypted MySQL connections (cluster parameter require_secure_transport)."
  type        = bool
  default     = true
}

variable "monitoring_interval" {
  description = "Enhanced Monitoring interval in seconds (0 disables it)."
  type        = number
  default     = 30

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be one of 0, 1, 5, 10, 15, 30, 60."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "logs_kms_key_arn" {
  description = "KMS key of the exported log groups (audit, error, slowquery); created here so they are encrypted, expire and go away at teardown."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.logs_kms_key_arn))
    error_message = "logs_kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the exported database logs, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of the permissions boundary the module's IAM roles carry (the base stack's permissions_boundary_arn): the CI deployer may create roles only with it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/", var.permissions_boundary_arn))
    error_message = "permissions_boundary_arn must be an IAM policy ARN."
  }
}

variable "app_username" {
  description = "Name of the application's database user (SELECT, INSERT, UPDATE only), created by the migrator step with the password it writes to the app user's secret."
  type        = string
  default     = "eventmall_app"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,32}$", var.app_username))
    error_message = "app_username must be 1-32 letters, digits or underscores."
  }
}

variable "secrets_kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the application user's secret (the event's key, base stack output logs_kms_key_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be a KMS key ARN."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted application-user secret can still be restored (0: deleted at once, at teardown)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or 7-30."
  }
}
