variable "name" {
  description = "Name prefix of the cluster, service, task family and log group."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
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
  description = "Private subnets of the tasks (no public IP is ever assigned)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two private subnets."
  }
}

variable "image" {
  description = "Container image, pinned by digest (REPOSITORY@sha256:...)."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@sha256:[0-9a-f]{64}$", var.image))
    error_message = "image must be pinned by digest: REPOSITORY@sha256:<64 hex>."
  }
}

variable "repository_arn" {
  description = "ARN of the ECR repository the image comes from (scope of the execution role's pull permission)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/", var.repository_arn))
    error_message = "repository_arn must be an ECR repository ARN."
  }
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  default     = 8080

  validation {
    condition     = var.container_port > 0 && var.container_port < 65536
    error_message = "container_port must be a TCP port."
  }
}

variable "cpu" {
  description = "Task CPU units (Fargate sizes)."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB (must fit the CPU size)."
  type        = number
  default     = 1024

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880
    error_message = "memory must be between 512 and 122880 MiB."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks: X86_64 or ARM64 (must match the image)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "environment_variables" {
  description = "Plain environment variables of the container (no secrets: those go in secrets)."
  type        = map(string)
  default     = {}

  validation {
    condition     = !anytrue([for k in keys(var.environment_variables) : can(regex("^(SESSION_KEYS|.*PASSWORD.*|.*_SECRET|.*_TOKEN|.*_API_KEY|.*_PRIVATE_KEY)$", k))])
    error_message = "environment_variables must not carry secrets (SESSION_KEYS, *PASSWORD*, *_SECRET, *_TOKEN, ...): pass them in secrets."
  }
}

variable "secrets" {
  description = "Environment variables filled by ECS from Secrets Manager at start: name => secret ARN, optionally suffixed with :json-key:: to pick a key."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.secrets) : can(regex("^arn:aws[a-z-]*:secretsmanager:", v))])
    error_message = "every secrets value must be a Secrets Manager ARN (optionally with :json-key::)."
  }
}

variable "secret_arns" {
  description = "ARNs of the Secrets Manager secrets the execution role may read (the bare secret ARNs behind var.secrets)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:", v))])
    error_message = "secret_arns must be Secrets Manager ARNs."
  }
}

variable "target_group_arn" {
  description = "ARN of the ALB target group the tasks register in."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:elasticloadbalancing:.*:targetgroup/", var.target_group_arn))
    error_message = "target_group_arn must be an ALB target group ARN."
  }
}

variable "alb_arn" {
  description = "ARN of the ALB (to build the ALBRequestCountPerTarget resource label)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:elasticloadbalancing:.*:loadbalancer/app/", var.alb_arn))
    error_message = "alb_arn must be an application load balancer ARN."
  }
}

variable "alb_security_group_id" {
  description = "Security group of the ALB: the only source admitted by the tasks."
  type        = string

  validation {
    condition     = startswith(var.alb_security_group_id, "sg-")
    error_message = "alb_security_group_id must be a security group ID (sg-...)."
  }
}

variable "egress_security_group_ids" {
  description = "Security groups the tasks may connect to, by reference: port => list of group IDs (e.g. 3306 => [database], 11211 => [cache])."
  type        = map(list(string))
  default     = {}
}

variable "health_check_grace_period" {
  description = "Seconds ECS ignores ALB health checks after a task starts (migrations, warm-up)."
  type        = number
  default     = 60

  validation {
    condition     = var.health_check_grace_period >= 0 && var.health_check_grace_period <= 2147483647
    error_message = "health_check_grace_period must be non-negative."
  }
}

variable "min_capacity" {
  description = "Tasks during the quiet part of the day (at least one per zone)."
  type        = number
  default     = 2

  validation {
    condition     = var.min_capacity >= 2
    error_message = "min_capacity must be at least 2 (one task per availability zone)."
  }
}

variable "max_capacity" {
  description = "Upper bound of the autoscaling."
  type        = number
  default     = 20

  validation {
    condition     = var.max_capacity >= 2 && var.max_capacity <= 1000
    error_message = "max_capacity must be between 2 and 1000."
  }
}

variable "rush_min_capacity" {
  description = "Minimum tasks held from the scale-out shortly before midnight until the scale-in after the rush."
  type        = number
  default     = 8

  validation {
    condition     = var.rush_min_capacity >= 2
    error_message = "rush_min_capacity must be at least 2."
  }
}

variable "event_time_zone" {
  description = "IANA time zone of the event (the midnight of the drops), e.g. \"Asia/Seoul\"."
  type        = string

  validation {
    condition     = can(regex("^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$", var.event_time_zone))
    error_message = "event_time_zone must be an IANA time zone such as Asia/Seoul, Europe/Paris or UTC."
  }
}

variable "scale_out_schedule" {
  description = "When to raise the floor before the midnight drop, in the event's time zone (Application Auto Scaling cron)."
  type        = string
  default     = "cron(40 23 * * ? *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.scale_out_schedule))
    error_message = "scale_out_schedule must be a cron(...) expression."
  }
}

variable "scale_in_schedule" {
  description = "When to lower the floor again after the rush, in the event's time zone."
  type        = string
  default     = "cron(30 1 * * ? *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.scale_in_schedule))
    error_message = "scale_in_schedule must be a cron(...) expression."
  }
}

variable "cpu_target" {
  description = "Target average CPU utilisation (%) of the tasks."
  type        = number
  default     = 55

  validation {
    condition     = var.cpu_target >= 10 && var.cpu_target <= 90
    error_message = "cpu_target must be between 10 and 90."
  }
}

variable "requests_per_target" {
  description = "Target ALB requests per task per minute."
  type        = number
  default     = 1000

  validation {
    condition     = var.requests_per_target >= 10
    error_message = "requests_per_target must be at least 10."
  }
}

variable "log_retention_days" {
  description = "Retention of the container logs, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365."
  }
}

variable "logs_kms_key_arn" {
  description = "KMS key that encrypts the log group (the base stack's logs key)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.logs_kms_key_arn))
    error_message = "logs_kms_key_arn must be a KMS key ARN."
  }
}

variable "enable_execute_command" {
  description = "Allow `aws ecs execute-command` into the tasks (audited in CloudTrail) for incident work."
  type        = bool
  default     = false
}

variable "alarm_topic_arn" {
  description = "SNS topic for the service's alarms; empty for no alarms."
  type        = string
  default     = ""
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

variable "app_secret_arns" {
  description = "Secrets the application itself reads at run time (DB_SECRET_ID: the app user's secret, re-read when the database refuses the credentials): the task role may read exactly these."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for v in var.app_secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:", v))])
    error_message = "app_secret_arns must be Secrets Manager ARNs."
  }
}

variable "migrator_secret_arn" {
  description = "The RDS-managed master secret (data stack output database_master_secret_arn): only the migrator role (the deploy's release task) reads it, never the service's roles."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.migrator_secret_arn))
    error_message = "migrator_secret_arn must be a Secrets Manager ARN."
  }
}

variable "secrets_kms_key_arn" {
  description = "Customer-managed KMS key of the task's secrets (the session keys' secret is created with it; the roles may decrypt with it through Secrets Manager only)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be a KMS key ARN."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted session-keys secret can still be restored (0: deleted at once, at teardown)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or 7-30."
  }
}

variable "catalogue_bucket_name" {
  description = "The bucket the deploy publishes the catalogue to (the Terraform state bucket): the migrator role may read the objects under catalogue_prefix there, nothing else. Empty: no such grant."
  type        = string
  default     = ""

  validation {
    condition     = var.catalogue_bucket_name == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.catalogue_bucket_name))
    error_message = "catalogue_bucket_name must be empty or a valid S3 bucket name."
  }
}

variable "catalogue_prefix" {
  description = "The environment's catalogue folder in catalogue_bucket_name, <environment>/catalogue/ (objects named <sha256>.json)."
  type        = string
  default     = ""

  validation {
    condition     = var.catalogue_prefix == "" || can(regex("^[a-z0-9][a-z0-9-]*/catalogue/$", var.catalogue_prefix))
    error_message = "catalogue_prefix must be <environment>/catalogue/."
  }
}
