# Account-level layer of an event: audit trail, alarms, people and CI identities.
# Bootstrapped once by an account administrator (the deployer cannot create itself); kept after
# the event because it holds the audit trail.
data "aws_caller_identity" "current" {}

module "base" {
  source = "../../modules/base"

  name                         = local.name
  event_name                   = var.event_name
  trail_bucket_name            = var.trail_bucket_name != "" ? var.trail_bucket_name : "${local.name}-cloudtrail-${data.aws_caller_identity.current.account_id}"
  state_bucket_name            = var.state_bucket_name
  lock_table_name              = var.lock_table_name
  alarm_emails                 = var.alarm_emails
  staff_trusted_principal_arns = var.staff_trusted_principal_arns
  github_subjects              = var.github_subjects
  gitlab_url                   = var.gitlab_url
  gitlab_subjects              = var.gitlab_subjects
  circleci_org_id              = var.circleci_org_id
  circleci_project_ids         = var.circleci_project_ids
  extra_oidc_providers         = var.extra_oidc_providers
  tags                         = local.tags
}
