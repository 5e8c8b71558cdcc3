# =============================================================================================
# People: the event staff. A group whose members may assume the staff role (with MFA); the role
# can operate the event's resources (tag Event = event_name, names "<name>-*") and nothing else.
# Nobody uses the root user; the trail alarms on any root activity.
# =============================================================================================
locals {
  prefix = var.name
}

resource "aws_iam_group" "staff" {
  name = "${var.name}-event-staff"
  path = "/eventmall/"
}

data "aws_iam_policy_document" "staff_assume" {
  statement {
    sid     = "StaffWithMfa"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = concat(["arn:${local.partition}:iam::${local.account}:root"], var.staff_trusted_principal_arns)
    }

    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}

resource "aws_iam_role" "staff" {
  name                 = "${var.name}-event-staff"
  path                 = "/eventmall/"
  assume_role_policy   = data.aws_iam_policy_document.staff_assume.json
  max_session_duration = 14400

  tags = var.tags
}

data "aws_iam_policy_document" "staff_group" {
  statement {
    sid       = "AssumeStaffRole"
    actions   = ["sts:AssumeRole"]
    resources = [aws_iam_role.staff.arn]
  }
}

resource "aws_iam_group_policy" "staff" {
  name   = "assume-event-staff-role"
  group  = aws_iam_group.staff.name
  policy = data.aws_iam_policy_document.staff_group.json
}

data "aws_iam_policy_document" "staff" {
  #checkov:skip=CKV_AWS_356:Only the ReadEventState statement uses "*": read-only Describe/List/Get calls, most without resource-level support; every write is scoped by ARN prefix or Event tag
  statement {
    sid = "ReadEventState"
    # Read-only: describe and list calls, which mostly support no resource scoping.
    actions = [
      "ecs:Describe*",
      "ecs:List*",
      "elasticloadbalancing:Describe*",
      "cloudfront:GetDistribution",
      "cloudfront:ListDistributions",
      "cloudfront:GetInvalidation",
      "cloudfront:ListInvalidations",
      "rds:DescribeDBClusters",
      "rds:DescribeDBInstances",
      "rds:DescribeEvents",
      "elasticache:DescribeCacheClusters",
      "application-autoscaling:Describe*",
      "cloudwatch:Describe*",
      "cloudwatch:Get*",
      "cloudwatch:List*",
      "logs:Describe*",
      "logs:FilterLogEvents",
      "logs:GetLogEvents",
      "logs:StartQuery",
      "logs:GetQueryResults",
      "ssm:DescribeInstanceInformation",
      "ssm:DescribeSessions",
      "ec2:DescribeInstances",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "OperateEventService"
    actions   = ["ecs:UpdateService"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account}:service/${local.prefix}*/*"]
  }

  statement {
    sid       = "InvalidateEventDistribution"
    actions   = ["cloudfront:CreateInvalidation"]
    resources = ["arn:${local.partition}:cloudfront::${local.account}:distribution/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Event"
      values   = [var.event_name]
    }
  }

  statement {
    sid       = "ReadSiteBucket"
    actions   = ["s3:ListBucket", "s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.prefix}-*", "arn:${local.partition}:s3:::${local.prefix}-*/*"]
  }

  statement {
    sid       = "FailoverDatabase"
    actions   = ["rds:FailoverDBCluster", "rds:RebootDBInstance"]
    resources = ["arn:${local.partition}:rds:${local.region}:${local.account}:cluster:${local.prefix}*", "arn:${local.partition}:rds:${local.region}:${local.account}:db:${local.prefix}*"]
  }

  statement {
    sid     = "SessionToEventBastion"
    actions = ["ssm:StartSession"]
    resources = [
      "arn:${local.partition}:ec2:${local.region}:${local.account}:instance/*",
    ]

    condition {
      test     = "StringEquals"
      variable = "ssm:resourceTag/Event"
      values   = [var.event_name]
    }
  }

  statement {
    sid     = "SessionDocuments"
    actions = ["ssm:StartSession"]
    resources = [
      "arn:${local.partition}:ssm:${local.region}::document/AWS-StartPortForwardingSessionToRemoteHost",
      "arn:${local.partition}:ssm:${local.region}:${local.account}:document/SSM-SessionManagerRunShell",
    ]
  }

  statement {
    sid       = "OwnSessions"
    actions   = ["ssm:TerminateSession", "ssm:ResumeSession"]
    resources = ["arn:${local.partition}:ssm:*:${local.account}:session/$${aws:userid}-*"]
  }

  statement {
    sid       = "ReadDatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:rds!cluster-*"]

    # RDS tags the secrets it manages with the owning cluster (not with our default tags).
    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/aws:rds:primaryDBClusterArn"
      values   = ["arn:${local.partition}:rds:${local.region}:${local.account}:cluster:${local.prefix}*"]
    }
  }
}

resource "aws_iam_role_policy" "staff" {
  name   = "operate-event"
  role   = aws_iam_role.staff.id
  policy = data.aws_iam_policy_document.staff.json
}

# =============================================================================================
# Machines: two CI roles, assumable only through OIDC web identities (no access keys).
#   - plan: read-only (Describe/Get/List, state read), trusted by pull/merge request subjects;
#     plans run with -lock=false, so they never hold a deploy's state lock.
#   - deployer: writes, trusted only by protected-branch / protected-environment subjects.
# =============================================================================================
locals {
  gitlab_host   = trimprefix(var.gitlab_url, "https://")
  circleci_host = "oidc.circleci.com/org/${var.circleci_org_id}"

  # One entry per issuer: the OIDC provider, and the subjects of each role.
  oidc_issuers = merge(
    length(var.github_subjects) + length(var.github_plan_subjects) == 0 ? {} : {
      github = { url = "https://token.actions.githubusercontent.com", host = "token.actions.githubusercontent.com", audiences = ["sts.amazonaws.com"] }
    },
    length(var.gitlab_subjects) + length(var.gitlab_plan_subjects) == 0 ? {} : {
      gitlab = { url = var.gitlab_url, host = local.gitlab_host, audiences = [var.gitlab_url] }
    },
    var.circleci_org_id == "" ? {} : {
      circleci = { url = "https://${local.circleci_host}", host = local.circleci_host, audiences = [var.circleci_org_id] }
    },
    { for i, p in var.extra_oidc_providers : "extra-${i}" => { url = p.url, host = trimprefix(p.url, "https://"), audiences = [p.audience] } },
  )

  # The deployer: exact subjects. CircleCI's subject names no branch: the deploy context
  # (restricted to main in CircleCI) and the main ref are required claims too.
  deploy_trust = merge(
    length(var.github_subjects) == 0 ? {} : { github = { test = "StringEquals", subjects = var.github_subjects, extra = {} } },
    length(var.gitlab_subjects) == 0 ? {} : { gitlab = { test = "StringEquals", subjects = var.gitlab_subjects, extra = {} } },
    var.circleci_org_id == "" || length(var.circleci_project_ids) == 0 ? {} : {
      circleci = {
        test     = "StringLike"
        subjects = [for p in var.circleci_project_ids : "org/${var.circleci_org_id}/project/${p}/user/*"]
        extra = {
          "${local.circleci_host}:oidc.circleci.com/context-ids" = var.circleci_deploy_context_ids
          "${local.circleci_host}:oidc.circleci.com/vcs-ref"     = ["refs/heads/main"]
        }
      }
    },
    { for i, p in var.extra_oidc_providers : "extra-${i}" => { test = "StringEquals", subjects = p.subjects, extra = {} } },
  )

  # The plan role: pull/merge request subjects (read-only, so patterns are allowed).
  plan_trust = merge(
    length(var.github_plan_subjects) == 0 ? {} : { github = var.github_plan_subjects },
    length(var.gitlab_plan_subjects) == 0 ? {} : { gitlab = var.gitlab_plan_subjects },
    var.circleci_org_id == "" || length(var.circleci_project_ids) == 0 ? {} : {
      circleci = [for p in var.circleci_project_ids : "org/${var.circleci_org_id}/project/${p}/user/*"]
    },
    { for i, p in var.extra_oidc_providers : "extra-${i}" => p.plan_subjects if length(p.plan_subjects) > 0 },
  )
}

resource "aws_iam_openid_connect_provider" "ci" {
  for_each = local.oidc_issuers

  url            = each.value.url
  client_id_list = each.value.audiences

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

data "aws_iam_policy_document" "deployer_assume" {
  dynamic "statement" {
    for_each = local.deploy_trust

    content {
      sid     = "Oidc${replace(title(statement.key), "-", "")}"
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [aws_iam_openid_connect_provider.ci[statement.key].arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.oidc_issuers[statement.key].host}:aud"
        values   = local.oidc_issuers[statement.key].audiences
      }

      condition {
        test     = statement.value.test
        variable = "${local.oidc_issuers[statement.key].host}:sub"
        values   = statement.value.subjects
      }

      dynamic "condition" {
        for_each = statement.value.extra

        content {
          test     = "ForAnyValue:StringEquals"
          variable = condition.key
          values   = condition.value
        }
      }
    }
  }

  # Without any CI configured the role is assumable by nobody (a statement is required).
  dynamic "statement" {
    for_each = length(local.deploy_trust) == 0 ? [1] : []

    content {
      sid     = "NobodyYet"
      effect  = "Deny"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
      }
    }
  }
}

resource "aws_iam_role" "deployer" {
  name                 = "${var.name}-ci-deployer"
  path                 = "/eventmall/"
  assume_role_policy   = data.aws_iam_policy_document.deployer_assume.json
  max_session_duration = var.deployer_max_session_seconds

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.circleci_org_id == "" || length(var.circleci_project_ids) == 0 || length(var.circleci_deploy_context_ids) > 0
      error_message = "circleci_deploy_context_ids is required with CircleCI trust: the deployer is trusted only in a deploy context restricted to main."
    }
  }
}

data "aws_iam_policy_document" "plan_assume" {
  dynamic "statement" {
    for_each = local.plan_trust

    content {
      sid     = "Oidc${replace(title(statement.key), "-", "")}"
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [aws_iam_openid_connect_provider.ci[statement.key].arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${local.oidc_issuers[statement.key].host}:aud"
        values   = local.oidc_issuers[statement.key].audiences
      }

      condition {
        test     = "StringLike"
        variable = "${local.oidc_issuers[statement.key].host}:sub"
        values   = statement.value
      }
    }
  }

  dynamic "statement" {
    for_each = length(local.plan_trust) == 0 ? [1] : []

    content {
      sid     = "NobodyYet"
      effect  = "Deny"
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = ["arn:${local.partition}:iam::${local.account}:root"]
      }
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "${var.name}-ci-plan"
  path                 = "/eventmall/"
  assume_role_policy   = data.aws_iam_policy_document.plan_assume.json
  max_session_duration = 3600

  tags = var.tags
}

data "aws_iam_policy_document" "plan" {
  #checkov:skip=CKV_AWS_356:Read-only Describe/Get/List calls, most without resource-level support
  statement {
    sid = "ReadEventState"
    # What terraform plan refreshes; nothing here writes.
    actions = [
      "acm:DescribeCertificate",
      "acm:ListCertificates",
      "acm:ListTagsForCertificate",
      "application-autoscaling:Describe*",
      "cloudfront:Get*",
      "cloudfront:List*",
      "cloudfront:DescribeFunction",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "ec2:Describe*",
      "ec2:GetManagedPrefixListEntries",
      "ecr:DescribeRepositories",
      "ecr:GetLifecyclePolicy",
      "ecr:ListTagsForResource",
      "ecs:DescribeClusters",
      "ecs:DescribeServices",
      "ecs:DescribeTaskDefinition",
      "ecs:ListTagsForResource",
      "elasticache:Describe*",
      "elasticache:List*",
      "elasticloadbalancing:Describe*",
      "iam:GetInstanceProfile",
      "iam:GetOpenIDConnectProvider",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
      "logs:DescribeLogGroups",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "rds:Describe*",
      "rds:List*",
      "route53:GetHostedZone",
      "route53:ListHostedZones",
      "route53:ListResourceRecordSets",
      "route53:ListTagsForResource",
      "s3:GetBucket*",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:ListAllMyBuckets",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetResourcePolicy",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "PublicAmiParameters"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["arn:${local.partition}:ssm:${local.region}::parameter/aws/service/*"]
  }

  statement {
    sid = "ReadBaseStack"
    # terraform plan of base refreshes these (pull requests plan base too): reads only.
    actions = [
      "cloudtrail:DescribeTrails",
      "cloudtrail:GetEventSelectors",
      "cloudtrail:GetInsightSelectors",
      "cloudtrail:GetTrail",
      "cloudtrail:GetTrailStatus",
      "cloudtrail:ListTags",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "iam:GetGroup",
      "iam:GetGroupPolicy",
      "iam:GetOpenIDConnectProvider",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedGroupPolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListGroupPolicies",
      "iam:ListPolicyVersions",
      "iam:ListRolePolicies",
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListAliases",
      "kms:ListResourceTags",
      "logs:DescribeLogGroups",
      "logs:DescribeMetricFilters",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "s3:GetAccelerateConfiguration",
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketLogging",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketOwnershipControls",
      "s3:GetBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketRequestPayment",
      "s3:GetBucketTagging",
      "s3:GetBucketVersioning",
      "s3:GetBucketWebsite",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "sns:GetSubscriptionAttributes",
      "sns:GetTopicAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:ListTagsForResource",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "TerraformStateRead"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket_name}/${var.environment}/*"]
  }

  statement {
    sid       = "TerraformStateBucket"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket_name}"]
  }

  # Its one write: `plan` stores the reviewed plan's fingerprints (.dagger/parity) for deploy to
  # compare with its own plan. Never a delete; the state bucket is versioned. A forged file can
  # only stop a deploy: deploy applies the plan it makes itself, never this one.
  statement {
    sid       = "StoreReviewedPlanFingerprints"
    actions   = ["s3:PutObject"]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket_name}/${var.environment}/reviewed-plans/*"]
  }

  # The scheduled drift and preflight run as this role too (ci/calls.txt): drift compares the
  # site bucket's objects with the build (the site is public anyway; no other bucket's objects).
  statement {
    sid       = "ScheduledDriftReadsTheSite"
    actions   = ["s3:ListBucket", "s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.prefix}-site-${local.account}", "arn:${local.partition}:s3:::${local.prefix}-site-${local.account}/*"]
  }

  # Only with the optional DynamoDB lock table: the state digest lives there, and preflight
  # lists the held locks (Scan: reads only).
  dynamic "statement" {
    for_each = var.lock_table_name == "" ? [] : [var.lock_table_name]
    content {
      sid       = "TerraformStateDigest"
      actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Scan"]
      resources = ["arn:${local.partition}:dynamodb:${local.region}:${local.account}:table/${statement.value}"]
    }
  }

  statement {
    sid       = "DecryptState"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [aws_kms_key.this.arn]
  }
}

resource "aws_iam_role_policy" "plan" {
  name   = "plan-event-stacks"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan.json
}

# =============================================================================================
# The permissions boundary of every role the deployer creates or edits (task, execution,
# bastion, flow logs, RDS monitoring): the most any workload may ever do, whatever its own
# policy says. No IAM, no Organizations, no CloudTrail, nothing outside the event's runtime.
# =============================================================================================
locals {
  boundary_policy_name = "${var.name}-workload-boundary"
  boundary_policy_arn  = "arn:${local.partition}:iam::${local.account}:policy/eventmall/${local.boundary_policy_name}"
  deployed_stacks      = ["network", "edge", "data", "service"]
}

data "aws_iam_policy_document" "workload_boundary" {
  #checkov:skip=CKV_AWS_356:A permissions boundary caps, it grants nothing: each role's own policy scopes the resources
  #checkov:skip=CKV_AWS_111:A permissions boundary caps, it grants nothing: each role's own policy scopes the resources
  statement {
    sid = "WorkloadRuntime"
    actions = [
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetAuthorizationToken",
      "ecr:GetDownloadUrlForLayer",
      "kms:Decrypt",
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:GetLogEvents",
      "logs:PutLogEvents",
      "logs:PutRetentionPolicy",
      "ssm:DescribeAssociation",
      "ssm:DescribeDocument",
      "ssm:GetDeployablePatchSnapshotForInstance",
      "ssm:GetDocument",
      "ssm:GetManifest",
      "ssm:ListAssociations",
      "ssm:ListInstanceAssociations",
      "ssm:PutComplianceItems",
      "ssm:PutConfigurePackageResult",
      "ssm:PutInventory",
      "ssm:UpdateAssociationStatus",
      "ssm:UpdateInstanceAssociationStatus",
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }

  statement {
    sid = "WorkloadSecretsAndParameters"
    # Secrets and parameters only of the event: RDS's managed secret and "<name>-" ones. Writing
    # a value (the migrator's one-off task: the app user's password, the session keys) only to
    # "<name>-" secrets, never RDS's.
    actions = ["secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters"]
    resources = [
      "arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:rds!cluster-*",
      "arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:${local.prefix}-*",
      "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter/${local.prefix}/*",
      "arn:${local.partition}:ssm:${local.region}::parameter/aws/*",
    ]
  }

  statement {
    sid       = "WorkloadWriteEventSecrets"
    actions   = ["secretsmanager:PutSecretValue"]
    resources = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:${local.prefix}-*"]
  }

  statement {
    sid       = "WorkloadEncryptSecrets"
    actions   = ["kms:GenerateDataKey"]
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account}:key/*"]
  }
}

resource "aws_iam_policy" "workload_boundary" {
  name        = local.boundary_policy_name
  path        = "/eventmall/"
  description = "${var.name}: permissions boundary of every role the CI deployer creates"
  policy      = data.aws_iam_policy_document.workload_boundary.json

  tags = var.tags
}
