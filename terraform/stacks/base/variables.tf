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
variable "trail_bucket_name" {
  description = "Name of the CloudTrail bucket; empty: \"<project>-<environment>-cloudtrail-<account id>\"."
  type        = string
  default     = ""

  validation {
    condition     = var.trail_bucket_name == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.trail_bucket_name))
    error_message = "trail_bucket_name must be empty or a valid S3 bucket name."
  }
}

variable "state_bucket_name" {
  description = "S3 bucket of the Terraform state (the same one given to -backend-config); the deployer reads and writes it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name."
  }
}

variable "lock_table_name" {
  description = "DynamoDB table of the state locks (the same one given to -backend-config)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be a valid DynamoDB table name."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic."
  type        = list(string)
  default     = []
}

variable "staff_trusted_principal_arns" {
  description = "Extra IAM principals (e.g. SSO roles) allowed to assume the staff role with MFA."
  type        = list(string)
  default     = []
}

variable "github_subjects" {
  description = "GitHub Actions OIDC subjects allowed to deploy (e.g. \"repo:acme/eventmall:environment:prod\")."
  type        = list(string)
  default     = []
}

variable "gitlab_url" {
  description = "GitLab issuer URL."
  type        = string
  default     = "https://gitlab.com"
}

variable "gitlab_subjects" {
  description = "GitLab CI OIDC subjects allowed to deploy (e.g. \"project_path:acme/eventmall:ref_type:branch:ref:main\")."
  type        = list(string)
  default     = []
}

variable "circleci_org_id" {
  description = "CircleCI organization ID allowed to deploy; empty for none."
  type        = string
  default     = ""
}

variable "circleci_project_ids" {
  description = "CircleCI project IDs allowed to deploy."
  type        = list(string)
  default     = []
}

variable "extra_oidc_providers" {
  description = "Other OIDC issuers trusted by the deployer (e.g. Jenkins with the OpenID Connect Provider plugin)."
  type = list(object({
    url      = string
    audience = string
    subjects = list(string)
  }))
  default = []
}
