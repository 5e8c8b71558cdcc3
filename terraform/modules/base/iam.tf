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
# Machines: the CI deployer role, assumable only through OIDC web identities (no access keys).
# =============================================================================================
locals {
  gitlab_host = trimprefix(var.gitlab_url, "https://")

  oidc = merge(
    length(var.github_subjects) == 0 ? {} : {
      github = {
        url       = "https://token.actions.githubusercontent.com"
        host      = "token.actions.githubusercontent.com"
        audiences = ["sts.amazonaws.com"]
        subjects  = var.github_subjects
      }
    },
    length(var.gitlab_subjects) == 0 ? {} : {
      gitlab = {
        url       = var.gitlab_url
        host      = local.gitlab_host
        audiences = [var.gitlab_url]
        subjects  = var.gitlab_subjects
      }
    },
    var.circleci_org_id == "" ? {} : {
      circleci = {
        url       = "https://oidc.circleci.com/org/${var.circleci_org_id}"
        host      = "oidc.circleci.com/org/${var.circleci_org_id}"
        audiences = [var.circleci_org_id]
        # CircleCI subjects: org/<org>/project/<project>/user/<user>; the user part varies.
        subjects = [for p in var.circleci_project_ids : "org/${var.circleci_org_id}/project/${p}/user/*"]
      }
    },
    { for i, p in var.extra_oidc_providers : "extra-${i}" => {
      url       = p.url
      host      = trimprefix(p.url, "https://")
      audiences = [p.audience]
      subjects  = p.subjects
    } },
  )
}

resource "aws_iam_openid_connect_provider" "ci" {
  for_each = local.oidc

  url            = each.value.url
  client_id_list = each.value.audiences

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })
}

data "aws_iam_policy_document" "deployer_assume" {
  dynamic "statement" {
    for_each = local.oidc

    content {
      sid     = "Oidc${replace(title(statement.key), "-", "")}"
      actions = ["sts:AssumeRoleWithWebIdentity"]

      principals {
        type        = "Federated"
        identifiers = [aws_iam_openid_connect_provider.ci[statement.key].arn]
      }

      condition {
        test     = "StringEquals"
        variable = "${statement.value.host}:aud"
        values   = statement.value.audiences
      }

      condition {
        test     = statement.key == "circleci" ? "StringLike" : "StringEquals"
        variable = "${statement.value.host}:sub"
        values   = statement.value.subjects
      }
    }
  }

  # Without any CI configured the role is assumable by nobody (a statement is required).
  dynamic "statement" {
    for_each = length(local.oidc) == 0 ? [1] : []

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
}
