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

variable "project" {
  description = "Project name: the Project tag every event resource carries (the stacks' default_tags); the deployer's writes are scoped to it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.project))
    error_message = "project must be 2-16 lowercase letters and digits, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name: the Environment tag every event resource carries and the state key prefix; the deployer's writes are scoped to it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment))
    error_message = "environment must be 2-12 lowercase letters and digits, starting with a letter."
  }
}

variable "hosted_zone_id" {
  description = "Route 53 public hosted zone of the event's domain: the only zone whose records the deployer may change. Empty: none."
  type        = string
  default     = ""

  validation {
    condition     = var.hosted_zone_id == "" || can(regex("^Z[A-Z0-9]+$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be empty or a Route 53 zone ID."
  }
}

variable "private_zone_name" {
  description = "Name of the network stack's private hosted zone (same value as there); the deployer may create it and change only its names. Empty: none."
  type        = string
  default     = ""

  validation {
    condition     = var.private_zone_name == "" || can(regex("^[a-z0-9][a-z0-9.-]*[a-z0-9]$", var.private_zone_name))
    error_message = "private_zone_name must be empty or a DNS name without trailing dot."
  }
}

variable "trail_object_lock_mode" {
  description = "S3 Object Lock mode of the trail bucket (one year of retention): GOVERNANCE (an administrator with s3:BypassGovernanceRetention can lift it) or COMPLIANCE (nobody can)."
  type        = string
  default     = "GOVERNANCE"

  validation {
    condition     = contains(["GOVERNANCE", "COMPLIANCE"], var.trail_object_lock_mode)
    error_message = "trail_object_lock_mode must be GOVERNANCE or COMPLIANCE."
  }
}

variable "trail_bucket_name" {
  description = "Name of the S3 bucket receiving the CloudTrail logs (the audit trail outlives the event); must not start with \"<name>-\" (the deployer's scope)."
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
  description = "Optional DynamoDB table of the Terraform state locks and the deploy lock (the same one given to -backend-config=dynamodb_table and the pipeline's --lock-table), for older setups. Empty (the default): no role gets any DynamoDB permission; state locks are S3 objects (use_lockfile: the deployer may write <environment>/<stack>.tfstate.tflock) and so is the deploy lock (<environment>/eventmall-deploy.lock)."
  type        = string
  default     = ""

  validation {
    condition     = var.lock_table_name == "" || can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be empty (S3 state locks only) or a valid DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)."
  }
}

variable "github_subjects" {
  description = "GitHub Actions OIDC subjects allowed to assume the deployer role: a protected environment with the ref in the subject (customize the repository's OIDC subject to include the ref), e.g. \"repo:acme/eventmall:environment:production:ref:refs/heads/main\". Never a pull_request subject. Empty: no GitHub trust."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.github_subjects : startswith(s, "repo:") && !strcontains(s, "*") && strcontains(s, ":ref:refs/heads/") && !strcontains(s, "pull_request")])
    error_message = "github_subjects must start with repo:, name a branch ref (:ref:refs/heads/...), and contain no wildcard and no pull_request."
  }
}

variable "github_plan_subjects" {
  description = "GitHub Actions OIDC subjects allowed to assume the read-only plan role, e.g. \"repo:acme/eventmall:pull_request\" (patterns allowed: the role writes only reviewed-plan fingerprints)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.github_plan_subjects : startswith(s, "repo:") && !startswith(s, "repo:*")])
    error_message = "github_plan_subjects must start with repo:<owner>/<repository>."
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
  description = "GitLab CI OIDC subjects allowed to assume the deployer role: protected branches only, e.g. \"project_path:acme/eventmall:ref_type:branch:ref:main\". Empty: no GitLab trust."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.gitlab_subjects : startswith(s, "project_path:") && !strcontains(s, "*") && strcontains(s, ":ref_type:branch:ref:")])
    error_message = "gitlab_subjects must start with project_path:, name a branch (:ref_type:branch:ref:...) and contain no wildcard."
  }
}

variable "gitlab_plan_subjects" {
  description = "GitLab CI OIDC subjects allowed to assume the read-only plan role, e.g. \"project_path:acme/eventmall:ref_type:branch:ref:*\" (patterns allowed: the role writes only reviewed-plan fingerprints)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.gitlab_plan_subjects : startswith(s, "project_path:") && !startswith(s, "project_path:*")])
    error_message = "gitlab_plan_subjects must start with project_path:<group>/<project>."
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

variable "circleci_deploy_context_ids" {
  description = "IDs (UUIDs) of the CircleCI contexts allowed to deploy: a context restricted to main (Organization Settings, Contexts, security group and expression restriction). The deployer requires one of them and the main ref; plan jobs use another context and the plan role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.circleci_deploy_context_ids : can(regex("^[0-9a-f-]{36}$", s))])
    error_message = "circleci_deploy_context_ids must be UUIDs."
  }
}

variable "extra_oidc_providers" {
  description = "Further OIDC issuers, e.g. Jenkins with the \"OpenID Connect Provider\" plugin: issuer URL, audience, exact subjects of the deployer (the trusted main-branch job) and optional plan_subjects of the read-only plan role."
  type = list(object({
    url           = string
    audience      = string
    subjects      = list(string)
    plan_subjects = optional(list(string), [])
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
