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
  description = "Name of the CloudTrail bucket, outside the deployer's \"<project>-<environment>-\" names; empty: \"audit-<project>-<environment>-<account id>\"."
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
  description = "Optional DynamoDB table of the Terraform state locks and the deploy lock (the same one given to -backend-config=dynamodb_table and the pipeline's --lock-table), for older setups. Empty (the default): no role gets any DynamoDB permission; state locks are S3 objects (use_lockfile: the deployer may write <environment>/<stack>.tfstate.tflock) and so is the deploy lock (<environment>/eventmall-deploy.lock)."
  type        = string
  default     = ""

  validation {
    condition     = var.lock_table_name == "" || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be empty (S3 state locks only) or a valid DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)."
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
  description = "GitHub Actions OIDC subjects allowed to deploy: a protected environment with the ref (e.g. \"repo:acme/eventmall:environment:production:ref:refs/heads/main\"; see docs/getting-started.md)."
  type        = list(string)
  default     = []
}

variable "github_plan_subjects" {
  description = "GitHub Actions OIDC subjects allowed to plan with the read-only plan role (e.g. \"repo:acme/eventmall:pull_request\")."
  type        = list(string)
  default     = []
}

variable "gitlab_url" {
  description = "GitLab issuer URL."
  type        = string
  default     = "https://gitlab.com"
}

variable "gitlab_subjects" {
  description = "GitLab CI OIDC subjects allowed to deploy: protected branches (e.g. \"project_path:acme/eventmall:ref_type:branch:ref:main\")."
  type        = list(string)
  default     = []
}

variable "gitlab_plan_subjects" {
  description = "GitLab CI OIDC subjects allowed to plan with the read-only plan role (e.g. \"project_path:acme/eventmall:ref_type:branch:ref:*\")."
  type        = list(string)
  default     = []
}

variable "circleci_org_id" {
  description = "CircleCI organization ID allowed to deploy; empty for none."
  type        = string
  default     = ""
}

variable "circleci_project_ids" {
  description = "CircleCI project IDs allowed to deploy (in a deploy context) and to plan."
  type        = list(string)
  default     = []
}

variable "circleci_deploy_context_ids" {
  description = "IDs of the CircleCI contexts, restricted to main, in which the deployer may be assumed."
  type        = list(string)
  default     = []
}

variable "extra_oidc_providers" {
  description = "Other OIDC issuers (e.g. Jenkins with the OpenID Connect Provider plugin): exact deployer subjects, optional plan_subjects."
  type = list(object({
    url           = string
    audience      = string
    subjects      = list(string)
    plan_subjects = optional(list(string), [])
  }))
  default = []
}

variable "hosted_zone_id" {
  description = "Route 53 public zone of the event's domain (the edge stack's hosted_zone_id): the only zone whose records the deployer may change. Empty: none."
  type        = string
  default     = ""
}

variable "private_zone_name" {
  description = "The network stack's private_zone_name: the deployer may create that zone and change only its names. Empty: none."
  type        = string
  default     = ""
}
