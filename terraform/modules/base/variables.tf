variable "name" {
  description = "Name prefix of the account-level resources of the event (e.g. \"eventmall-prod\"). Event resources are named \"<name>-*\"; IAM scopes rely on it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "event_name" {
  description = "Name of the event; resources carry it in the Event tag, which scopes the staff's permissions."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.event_name))
    error_message = "event_name must be lowercase letters, digits and hyphens (max 63)."
  }
}

variable "trail_bucket_name" {
  description = "Name of the S3 bucket receiving the CloudTrail logs (the audit trail outlives the event)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.trail_bucket_name))
    error_message = "trail_bucket_name must be a valid S3 bucket name."
  }
}

variable "trail_retention_days" {
  description = "Days CloudTrail log files are kept in the bucket (moved to Glacier after 90 days)."
  type        = number
  default     = 400

  validation {
    condition     = var.trail_retention_days >= 365
    error_message = "trail_retention_days must be at least 365 (one year of audit trail)."
  }
}

variable "log_retention_days" {
  description = "Retention of the CloudTrail CloudWatch log group (alarm source), in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400], var.log_retention_days)
    error_message = "log_retention_days must be one of 30, 60, 90, 120, 150, 180, 365, 400."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic (each must confirm)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must be e-mail addresses."
  }
}

variable "staff_trusted_principal_arns" {
  description = "IAM principals (users or roles, e.g. an SSO permission set role) allowed, besides the staff group, to assume the staff role; MFA is required."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.staff_trusted_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(user|role)/", a))])
    error_message = "staff_trusted_principal_arns must be IAM user or role ARNs."
  }
}

variable "state_bucket_name" {
  description = "S3 bucket holding the Terraform state (the deployer reads and writes it)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name."
  }
}

variable "lock_table_name" {
  description = "DynamoDB table of the Terraform state locks."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be a valid DynamoDB table name."
  }
}

variable "github_subjects" {
  description = "GitHub Actions OIDC subjects allowed to assume the deployer role, e.g. \"repo:acme/eventmall:ref:refs/heads/main\" or \"repo:acme/eventmall:environment:prod\". Empty: no GitHub trust."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.github_subjects : startswith(s, "repo:") && !strcontains(s, "*")])
    error_message = "github_subjects must start with repo: and contain no wildcard."
  }
}

variable "gitlab_url" {
  description = "Issuer URL of the GitLab instance (https://gitlab.com or a self-managed URL)."
  type        = string
  default     = "https://gitlab.com"

  validation {
    condition     = startswith(var.gitlab_url, "https://") && !endswith(var.gitlab_url, "/")
    error_message = "gitlab_url must be an https:// URL without trailing slash."
  }
}

variable "gitlab_subjects" {
  description = "GitLab CI OIDC subjects allowed, e.g. \"project_path:acme/eventmall:ref_type:branch:ref:main\". Empty: no GitLab trust."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.gitlab_subjects : startswith(s, "project_path:") && !strcontains(s, "*")])
    error_message = "gitlab_subjects must start with project_path: and contain no wildcard."
  }
}

variable "circleci_org_id" {
  description = "CircleCI organization ID (UUID); empty: no CircleCI trust."
  type        = string
  default     = ""

  validation {
    condition     = var.circleci_org_id == "" || can(regex("^[0-9a-f-]{36}$", var.circleci_org_id))
    error_message = "circleci_org_id must be empty or a UUID."
  }
}

variable "circleci_project_ids" {
  description = "CircleCI project IDs (UUIDs) of the organization allowed to deploy."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.circleci_project_ids : can(regex("^[0-9a-f-]{36}$", s))])
    error_message = "circleci_project_ids must be UUIDs."
  }
}

variable "extra_oidc_providers" {
  description = "Further OIDC issuers trusted by the deployer role, e.g. Jenkins with the \"OpenID Connect Provider\" plugin: issuer URL, audience and exact subjects."
  type = list(object({
    url      = string
    audience = string
    subjects = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for p in var.extra_oidc_providers : startswith(p.url, "https://") && length(p.subjects) > 0 && alltrue([for s in p.subjects : !strcontains(s, "*")])])
    error_message = "each extra OIDC provider needs an https:// URL and at least one exact subject (no wildcard)."
  }
}

variable "deployer_max_session_seconds" {
  description = "Maximum session of the deployer role (a deploy must fit in it)."
  type        = number
  default     = 3600

  validation {
    condition     = var.deployer_max_session_seconds >= 900 && var.deployer_max_session_seconds <= 43200
    error_message = "deployer_max_session_seconds must be between 900 and 43200."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
