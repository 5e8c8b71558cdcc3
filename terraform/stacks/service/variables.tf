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
variable "image" {
  description = "Backend image pinned by digest: <repository_url>@sha256:<64 hex>."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@sha256:[0-9a-f]{64}$", var.image))
    error_message = "image must be pinned by digest (REPOSITORY@sha256:...), never by tag."
  }
}

variable "event_time_zone" {
  description = "IANA time zone of the event's midnight (scheduled scaling), e.g. Asia/Seoul."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC (network stack output)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of the tasks (network stack output)."
  type        = list(string)
}

variable "alb_arn" {
  description = "ARN of the ALB (edge stack output)."
  type        = string
}

variable "alb_target_group_arn" {
  description = "Target group of the tasks (edge stack output)."
  type        = string
}

variable "alb_security_group_id" {
  description = "Security group of the ALB (edge stack output)."
  type        = string
}

variable "site_url" {
  description = "Public URL of the shop (edge stack output)."
  type        = string

  validation {
    condition     = startswith(var.site_url, "https://")
    error_message = "site_url must be an https:// URL."
  }
}

variable "repository_url" {
  description = "ECR repository URL (data stack output); the image must come from it."
  type        = string
}

variable "repository_arn" {
  description = "ARN of that ECR repository (data stack output): the scope of the execution role's pull permission."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/.+", var.repository_arn))
    error_message = "repository_arn must be an ECR repository ARN (arn:aws:ecr:REGION:ACCOUNT:repository/NAME)."
  }
}

variable "cache_endpoint" {
  description = "host:port of the memcached configuration endpoint (data stack output)."
  type        = string
}

variable "database_endpoint" {
  description = "Aurora writer endpoint (data stack output)."
  type        = string
}

variable "database_reader_endpoint" {
  description = "Aurora reader endpoint (data stack output)."
  type        = string
}

variable "database_port" {
  description = "MySQL port (data stack output)."
  type        = number
  default     = 3306
}

variable "database_name" {
  description = "Schema name (data stack output)."
  type        = string
  default     = "eventmall"
}

variable "database_master_secret_arn" {
  description = "Secrets Manager secret managed by RDS for the master user (data stack output): read only by the migrator role of the deploy's release task."
  type        = string
}

variable "database_secret_arn" {
  description = "Secrets Manager secret of the application user's database credentials (data stack output): the only database secret the service reads."
  type        = string
}

variable "cache_security_group_id" {
  description = "Security group of the cache (data stack output); the service adds its ingress rule."
  type        = string
}

variable "database_security_group_id" {
  description = "Security group of the database (data stack output); the service adds its ingress rule."
  type        = string
}

variable "alarm_topic_arn" {
  description = "SNS topic of the alarms (base stack output); empty for no alarms."
  type        = string
  default     = ""
}

variable "logs_kms_key_arn" {
  description = "KMS key of the log groups (base stack output)."
  type        = string
}

variable "container_port" {
  description = "Port the API container listens on."
  type        = number
  default     = 8080
}

variable "cpu" {
  description = "Task CPU units."
  type        = number
  default     = 512
}

variable "memory" {
  description = "Task memory (MiB)."
  type        = number
  default     = 1024
}

variable "min_capacity" {
  description = "Tasks in the quiet part of the day."
  type        = number
  default     = 2
}

variable "rush_min_capacity" {
  description = "Floor of tasks from before midnight until after the rush."
  type        = number
  default     = 8
}

variable "expected_peak_customers_per_second" {
  description = "Customers arriving per second at the busiest moment of the rush (terraform/environments: the event's forecast); above what the rush floor serves, the waiting room switches on."
  type        = number
}

variable "measured_capacity" {
  description = "The benchmark's per-process capacity record, backend/bench/capacity.json as the pipeline reads it (customerMixRpsPerProcess, requestsPerCustomer, measuredAt): the rush sizing's measurement."
  type = object({
    customerMixRpsPerProcess = number
    requestsPerCustomer      = number
    measuredAt               = string
  })
}

variable "waiting_room" {
  description = "The waiting room in front of the orders: auto (on exactly when the expected peak exceeds what rush_min_capacity tasks serve), on or off."
  type        = string
  default     = "auto"
}

variable "waiting_room_inlet_per_second" {
  description = "Buyers the waiting room admits per second; null: what the rush floor serves."
  type        = number
  default     = null
}

variable "max_capacity" {
  description = "Maximum tasks."
  type        = number
  default     = 20
}

variable "scale_out_schedule" {
  description = "Cron (event time zone) raising the floor before midnight."
  type        = string
  default     = "cron(40 23 * * ? *)"
}

variable "scale_in_schedule" {
  description = "Cron (event time zone) lowering the floor after the rush."
  type        = string
  default     = "cron(30 1 * * ? *)"
}

variable "extra_environment" {
  description = "Further plain environment variables of the API container (no secrets)."
  type        = map(string)
  default     = {}

  validation {
    condition     = !anytrue([for k in keys(var.extra_environment) : can(regex("^(SESSION_KEYS|.*PASSWORD.*|.*_SECRET|.*_TOKEN|.*_API_KEY|.*_PRIVATE_KEY)$", k))])
    error_message = "extra_environment must not carry secrets (SESSION_KEYS, *PASSWORD*, *_SECRET, *_TOKEN, ...): those come from Secrets Manager through the task definition's secrets."
  }

  validation {
    condition     = length(setintersection(keys(var.extra_environment), ["WAITING_ROOM", "WAITING_ROOM_INLET_PER_SEC"])) == 0
    error_message = "extra_environment must not set WAITING_ROOM or WAITING_ROOM_INLET_PER_SEC: the rush sizing sets them (variables waiting_room, waiting_room_inlet_per_second)."
  }
}

variable "enable_execute_command" {
  description = "Allow ECS Exec into the tasks."
  type        = bool
  default     = false
}

variable "cache_servers" {
  description = "Comma-separated host:port of every memcached node (data stack output); empty: the configuration endpoint alone."
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

variable "state_bucket_name" {
  description = "The Terraform state bucket (the deploy passes it): a catalogue-only deploy publishes the catalogue under <environment>/catalogue/ there, which the migrator role reads."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name."
  }
}
