# Account-level layer of an event: audit trail, alarms, people and CI identities.
# Applied only by an account administrator (the deployer cannot create or widen itself; deploy
# refuses a plan that changes this stack: see docs/getting-started.md); kept after the event
# because it holds the audit trail.
data "aws_caller_identity" "current" {}

module "base" {
  source = "../../modules/base"

  name                         = local.name
  project                      = var.project
  environment                  = var.environment
  event_name                   = var.event_name
  trail_bucket_name            = var.trail_bucket_name != "" ? var.trail_bucket_name : "audit-${local.name}-${data.aws_caller_identity.current.account_id}"
  state_bucket_name            = var.state_bucket_name
  lock_table_name              = var.lock_table_name
  alarm_emails                 = var.alarm_emails
  staff_trusted_principal_arns = var.staff_trusted_principal_arns
  github_subjects              = var.github_subjects
  github_plan_subjects         = var.github_plan_subjects
  gitlab_url                   = var.gitlab_url
  gitlab_subjects              = var.gitlab_subjects
  gitlab_plan_subjects         = var.gitlab_plan_subjects
  circleci_org_id              = var.circleci_org_id
  circleci_project_ids         = var.circleci_project_ids
  circleci_deploy_context_ids  = var.circleci_deploy_context_ids
  extra_oidc_providers         = var.extra_oidc_providers
  hosted_zone_id               = var.hosted_zone_id
  private_zone_name            = var.private_zone_name
  tags                         = local.tags
}
