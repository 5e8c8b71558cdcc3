# =============================================================================================
# What the CI deployer may do: plan/apply the network, edge, data and service stacks (the base
# stack is applied by an account administrator, never by the pipeline), push the image, sync the
# site, invalidate. Actions are listed one by one; the only wildcards are read-only verbs
# (Describe*/Get*/List*).
# Every write is scoped to the event: by ARN with a delimited name prefix ("<name>-", "/<name>/")
# where the service names its resources, otherwise by the Project and Environment tags
# (aws:ResourceTag on existing resources, aws:RequestTag on create). Explicit denies keep the
# deployer off the account-level roles (itself, staff, plan, trail), the workload permissions
# boundary and the audit trail; roles it creates or edits must carry that boundary, and it passes
# them only to the services that use them.
# =============================================================================================
locals {
  # Roles and instance profiles of the event's workloads: "/eventmall/<name>-...".
  role_arns    = "arn:${local.partition}:iam::${local.account}:role/eventmall/${local.prefix}-*"
  profile_arns = "arn:${local.partition}:iam::${local.account}:instance-profile/eventmall/${local.prefix}-*"

  # The account-level roles of this module: no CI identity may write to them.
  account_role_arns = [
    aws_iam_role.deployer.arn,
    aws_iam_role.plan.arn,
    aws_iam_role.staff.arn,
    aws_iam_role.trail_logs.arn,
  ]

  # Services the workload roles are passed to, and nothing else.
  passed_to_services = [
    "ecs-tasks.amazonaws.com",
    "ec2.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
    "application-autoscaling.amazonaws.com",
  ]

  # The audit trail and its alarms.
  trail_log_group_arns = [aws_cloudwatch_log_group.trail.arn, "${aws_cloudwatch_log_group.trail.arn}:*"]
  trail_alarm_arns     = [for k in keys(local.trail_alarms) : "arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:${local.alarm_prefix}${k}"]

  # The resources of the event carry these tags (the stacks' provider default_tags).
  event_tags = { Project = var.project, Environment = var.environment }
}

data "aws_iam_policy_document" "deployer" {
  # ------------------------------------------------------------------------------------------
  # Explicit denies first: they win over every Allow below, whatever a later edit adds there.
  # ------------------------------------------------------------------------------------------
  statement {
    sid    = "DenyWritesToAccountRoles"
    effect = "Deny"
    # Itself, the plan role, the staff role and the trail role belong to the administrator.
    actions = [
      "iam:AttachRolePolicy",
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePermissionsBoundary",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:PassRole",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = local.account_role_arns
  }

  statement {
    sid    = "DenyChangingTheBoundary"
    effect = "Deny"
    actions = [
      "iam:CreatePolicy",
      "iam:CreatePolicyVersion",
      "iam:DeletePolicy",
      "iam:DeletePolicyVersion",
      "iam:SetDefaultPolicyVersion",
      "iam:TagPolicy",
      "iam:UntagPolicy",
    ]
    resources = [local.boundary_policy_arn]
  }

  statement {
    sid    = "DenyRemovingBoundaries"
    effect = "Deny"
    actions = [
      "iam:DeleteRolePermissionsBoundary",
    ]
    resources = ["*"]
  }

  statement {
    sid    = "DenyIdentitiesWithKeys"
    effect = "Deny"
    # No users, groups, keys or identity providers from CI.
    actions = [
      "iam:AddUserToGroup",
      "iam:AttachGroupPolicy",
      "iam:AttachUserPolicy",
      "iam:CreateAccessKey",
      "iam:CreateGroup",
      "iam:CreateLoginProfile",
      "iam:CreateOpenIDConnectProvider",
      "iam:CreateSAMLProvider",
      "iam:CreateUser",
      "iam:PutGroupPolicy",
      "iam:PutUserPolicy",
      "iam:UpdateLoginProfile",
      "iam:UpdateOpenIDConnectProviderThumbprint",
      "iam:AddClientIDToOpenIDConnectProvider",
    ]
    resources = ["*"]
  }

  statement {
    sid    = "DenyTouchingTheAuditTrail"
    effect = "Deny"
    actions = [
      "s3:BypassGovernanceRetention",
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:PutBucketAcl",
      "s3:PutBucketObjectLockConfiguration",
      "s3:PutBucketOwnershipControls",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
      "s3:PutObject",
      "s3:PutObjectAcl",
      "s3:PutObjectLegalHold",
      "s3:PutObjectRetention",
      "s3:PutReplicationConfiguration",
    ]
    resources = [aws_s3_bucket.trail.arn, "${aws_s3_bucket.trail.arn}/*"]
  }

  statement {
    sid    = "DenyTouchingTheTrailLogs"
    effect = "Deny"
    actions = [
      "logs:AssociateKmsKey",
      "logs:DeleteLogGroup",
      "logs:DeleteLogStream",
      "logs:DeleteMetricFilter",
      "logs:DeleteRetentionPolicy",
      "logs:DeleteSubscriptionFilter",
      "logs:DisassociateKmsKey",
      "logs:PutMetricFilter",
      "logs:PutRetentionPolicy",
      "logs:PutSubscriptionFilter",
      "logs:UntagLogGroup",
      "logs:UntagResource",
    ]
    resources = local.trail_log_group_arns
  }

  statement {
    sid    = "DenySilencingSecurityAlarms"
    effect = "Deny"
    actions = [
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DisableAlarmActions",
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:SetAlarmState",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
    ]
    resources = local.trail_alarm_arns
  }

  statement {
    sid    = "DenyStoppingTheTrail"
    effect = "Deny"
    actions = [
      "cloudtrail:DeleteTrail",
      "cloudtrail:PutEventSelectors",
      "cloudtrail:PutInsightSelectors",
      "cloudtrail:StopLogging",
      "cloudtrail:UpdateTrail",
      "sns:DeleteTopic",
      "sns:SetTopicAttributes",
      "sns:Subscribe",
      "sns:Unsubscribe",
      "kms:DisableKey",
      "kms:PutKeyPolicy",
      "kms:ScheduleKeyDeletion",
    ]
    resources = [local.trail_arn, aws_sns_topic.alarms.arn, aws_kms_key.this.arn]
  }

  statement {
    sid    = "DenyEventTagChangesOnOthers"
    effect = "Deny"
    actions = [
      "ec2:CreateTags",
      "ec2:DeleteTags",
    ]
    resources = ["*"]

    # Re-tagging a foreign resource "Project/Environment" would bring it into the scopes below.
    condition {
      test     = "ForAnyValue:StringEquals"
      variable = "aws:TagKeys"
      values   = ["Project", "Environment"]
    }

    condition {
      test     = "Null"
      variable = "ec2:CreateAction"
      values   = ["true"]
    }
  }

  # ------------------------------------------------------------------------------------------
  # Terraform state: read the environment's states, write the deployed stacks' (base's is the
  # administrator's), lock only this environment's items.
  # ------------------------------------------------------------------------------------------
  statement {
    sid = "TerraformStateRead"
    actions = [
      "s3:GetObject",
    ]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket_name}/${var.environment}/*"]
  }

  statement {
    sid = "TerraformStateWrite"
    actions = [
      "s3:PutObject",
      "s3:DeleteObject",
    ]
    resources = [for s in local.deployed_stacks : "arn:${local.partition}:s3:::${var.state_bucket_name}/${var.environment}/${s}.tfstate"]
  }

  # A catalogue-only deploy publishes the catalogue, content-addressed, next to the state:
  # <environment>/catalogue/<sha256>.json (the service's migrator role reads it).
  statement {
    sid = "PublishCatalogue"
    actions = [
      "s3:PutObject",
    ]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket_name}/${var.environment}/catalogue/*"]
  }

  # Every deploy and rollback records itself: <environment>/history/<id>.json (write once, never
  # deleted by the deployer; `history`, `drift` and `rollback` read them).
  statement {
    sid = "DeployHistory"
    actions = [
      "s3:PutObject",
    ]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket_name}/${var.environment}/history/*"]
  }

  statement {
    sid = "TerraformStateBucket"
    actions = [
      "s3:ListBucket",
    ]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket_name}"]
  }

  # S3-native state locks (use_lockfile): "<key>.tflock" next to each state of the environment,
  # base's too (a deploy plans base with a lock, never writes its state); and, without a lock
  # table, the deploy-wide lock, "<environment>/eventmall-deploy.lock" (conditional writes).
  statement {
    sid = "TerraformStateLockFile"
    actions = [
      "s3:PutObject",
      "s3:DeleteObject",
    ]
    resources = [
      "arn:${local.partition}:s3:::${var.state_bucket_name}/${var.environment}/*.tfstate.tflock",
      "arn:${local.partition}:s3:::${var.state_bucket_name}/${var.environment}/eventmall-deploy.lock",
    ]
  }

  # The optional DynamoDB lock table (older setups; empty lock_table_name: none).
  dynamic "statement" {
    for_each = var.lock_table_name == "" ? [] : [var.lock_table_name]
    content {
      sid = "TerraformStateLock"
      actions = [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:UpdateItem",
      ]
      resources = ["arn:${local.partition}:dynamodb:${local.region}:${local.account}:table/${statement.value}"]

      # State locks ("<bucket>/<environment>/<stack>.tfstate[-md5]") and the deploy-wide lock.
      condition {
        test     = "ForAllValues:StringLike"
        variable = "dynamodb:LeadingKeys"
        values   = ["${var.state_bucket_name}/${var.environment}/*", "eventmall-deploy/${var.environment}"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.lock_table_name == "" ? [] : [var.lock_table_name]
    content {
      sid       = "TerraformStateLockTable"
      actions   = ["dynamodb:DescribeTable"]
      resources = ["arn:${local.partition}:dynamodb:${local.region}:${local.account}:table/${statement.value}"]
    }
  }

  statement {
    sid = "ReadBaseStack"
    # terraform plan of base refreshes these (a deploy plans base, never applies it): reads only.
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

  # ------------------------------------------------------------------------------------------
  # Network and bastion (EC2 names nothing: tags scope it).
  # ------------------------------------------------------------------------------------------
  statement {
    sid = "Ec2Read"
    actions = [
      "ec2:Describe*",
      "ec2:GetManagedPrefixListEntries",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid = "Ec2CreateTagged"
    # The new resource must carry the event's tags in the create call.
    actions = [
      "ec2:AllocateAddress",
      "ec2:CreateFlowLogs",
      "ec2:CreateInternetGateway",
      "ec2:CreateNatGateway",
      "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup",
      "ec2:CreateSubnet",
      "ec2:CreateVpc",
      "ec2:RunInstances",
    ]
    resources = ["arn:${local.partition}:ec2:${local.region}:${local.account}:*"]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "Ec2CreateInEventResources"
    # ...inside the event's own VPC, subnets, security groups, addresses.
    actions = [
      "ec2:CreateFlowLogs",
      "ec2:CreateNatGateway",
      "ec2:CreateRouteTable",
      "ec2:CreateSecurityGroup",
      "ec2:CreateSubnet",
      "ec2:RunInstances",
    ]
    resources = [
      "arn:${local.partition}:ec2:${local.region}:${local.account}:vpc/*",
      "arn:${local.partition}:ec2:${local.region}:${local.account}:subnet/*",
      "arn:${local.partition}:ec2:${local.region}:${local.account}:security-group/*",
      "arn:${local.partition}:ec2:${local.region}:${local.account}:elastic-ip/*",
    ]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "Ec2LaunchFromAmazonImages"
    actions = [
      "ec2:RunInstances",
    ]
    resources = ["arn:${local.partition}:ec2:${local.region}::image/*"]

    condition {
      test     = "StringEquals"
      variable = "ec2:Owner"
      values   = ["amazon"]
    }
  }

  statement {
    sid = "Ec2TagOnCreate"
    actions = [
      "ec2:CreateTags",
    ]
    resources = ["arn:${local.partition}:ec2:${local.region}:${local.account}:*"]

    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["AllocateAddress", "CreateFlowLogs", "CreateInternetGateway", "CreateNatGateway", "CreateRouteTable", "CreateSecurityGroup", "CreateSubnet", "CreateVpc", "RunInstances"]
    }
  }

  statement {
    sid = "Ec2WriteEventResources"
    actions = [
      "ec2:AssociateRouteTable",
      "ec2:AttachInternetGateway",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateRoute",
      "ec2:CreateTags",
      "ec2:DeleteFlowLogs",
      "ec2:DeleteInternetGateway",
      "ec2:DeleteNatGateway",
      "ec2:DeleteRoute",
      "ec2:DeleteRouteTable",
      "ec2:DeleteSecurityGroup",
      "ec2:DeleteSubnet",
      "ec2:DeleteTags",
      "ec2:DeleteVpc",
      "ec2:DetachInternetGateway",
      "ec2:DisassociateAddress",
      "ec2:DisassociateRouteTable",
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifySecurityGroupRules",
      "ec2:ModifySubnetAttribute",
      "ec2:ModifyVpcAttribute",
      "ec2:MonitorInstances",
      "ec2:ReleaseAddress",
      "ec2:ReplaceRoute",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:TerminateInstances",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    ]
    resources = ["arn:${local.partition}:ec2:${local.region}:${local.account}:*"]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  # ------------------------------------------------------------------------------------------
  # Load balancer, containers, scaling, data tier, edge: tag-scoped.
  # ------------------------------------------------------------------------------------------
  statement {
    sid = "LoadBalancerRead"
    actions = [
      "elasticloadbalancing:Describe*",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid = "LoadBalancerCreateTagged"
    actions = [
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateLoadBalancer",
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:CreateTargetGroup",
      "elasticloadbalancing:AddTags",
    ]
    resources = ["arn:${local.partition}:elasticloadbalancing:${local.region}:${local.account}:*"]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "LoadBalancerWriteEventResources"
    actions = [
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateRule",
      "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:DeleteRule",
      "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyLoadBalancerAttributes",
      "elasticloadbalancing:ModifyRule",
      "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:RemoveTags",
      "elasticloadbalancing:SetSecurityGroups",
      "elasticloadbalancing:SetSubnets",
    ]
    resources = ["arn:${local.partition}:elasticloadbalancing:${local.region}:${local.account}:*"]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "ContainersRead"
    actions = [
      "ecs:DescribeClusters",
      "ecs:DescribeServices",
      "ecs:DescribeTaskDefinition",
      "ecs:DescribeTasks",
      "ecs:ListTagsForResource",
      "ecs:ListTasks",
      "application-autoscaling:Describe*",
      "application-autoscaling:ListTagsForResource",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid = "ContainersCreateTagged"
    # RegisterTaskDefinition and RegisterScalableTarget take no resource ARN: the request tags scope them.
    actions = [
      "ecs:CreateCluster",
      "ecs:CreateService",
      "ecs:RegisterTaskDefinition",
      "ecs:TagResource",
      "application-autoscaling:RegisterScalableTarget",
      "application-autoscaling:TagResource",
    ]
    resources = ["*"]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid = "ContainersWriteEventResources"
    actions = [
      "ecs:DeleteCluster",
      "ecs:DeleteService",
      "ecs:DeregisterTaskDefinition",
      "ecs:PutClusterCapacityProviders",
      # The deploy's db-release stage: one task of the event's (tagged) db-release task definition.
      "ecs:RunTask",
      "ecs:TagResource",
      "ecs:UntagResource",
      "ecs:UpdateCluster",
      "ecs:UpdateClusterSettings",
      "ecs:UpdateService",
      "application-autoscaling:DeleteScalingPolicy",
      "application-autoscaling:DeleteScheduledAction",
      "application-autoscaling:DeregisterScalableTarget",
      "application-autoscaling:PutScalingPolicy",
      "application-autoscaling:PutScheduledAction",
      "application-autoscaling:TagResource",
    ]
    resources = ["*"]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid = "DataTierRead"
    actions = [
      "elasticache:Describe*",
      "elasticache:List*",
      "rds:Describe*",
      "rds:List*",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid = "DataTierCreateTagged"
    actions = [
      "elasticache:AddTagsToResource",
      "elasticache:CreateCacheCluster",
      "elasticache:CreateCacheSubnetGroup",
      "rds:AddTagsToResource",
      "rds:CreateDBCluster",
      "rds:CreateDBClusterParameterGroup",
      "rds:CreateDBInstance",
      "rds:CreateDBSubnetGroup",
    ]
    resources = [
      "arn:${local.partition}:elasticache:${local.region}:${local.account}:*",
      "arn:${local.partition}:rds:${local.region}:${local.account}:*",
    ]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "DataTierWriteEventResources"
    actions = [
      "elasticache:AddTagsToResource",
      "elasticache:DeleteCacheCluster",
      "elasticache:DeleteCacheSubnetGroup",
      "elasticache:ModifyCacheCluster",
      "elasticache:ModifyCacheSubnetGroup",
      "elasticache:RemoveTagsFromResource",
      "rds:AddTagsToResource",
      "rds:CreateDBClusterSnapshot",
      "rds:CreateDBInstance",
      "rds:DeleteDBCluster",
      "rds:DeleteDBClusterParameterGroup",
      "rds:DeleteDBInstance",
      "rds:DeleteDBSubnetGroup",
      "rds:ModifyDBCluster",
      "rds:ModifyDBClusterParameterGroup",
      "rds:ModifyDBInstance",
      "rds:ModifyDBSubnetGroup",
      "rds:RemoveTagsFromResource",
    ]
    resources = [
      "arn:${local.partition}:elasticache:${local.region}:${local.account}:*",
      "arn:${local.partition}:rds:${local.region}:${local.account}:*",
    ]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "RdsManagedMasterSecretCreate"
    # RDS creates the cluster's master secret on the caller's behalf (ManageMasterUserPassword).
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:TagResource",
    ]
    resources = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:rds!cluster-*"]
  }

  statement {
    sid = "EventSecretsCreateTagged"
    # The app user's and the session keys' secrets, created with no value and the event's tags.
    # No GetSecretValue or PutSecretValue: the deployer never sees or sets a secret's value.
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:TagResource",
    ]
    resources = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:${local.prefix}-*"]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "EventSecretsManage"
    actions = [
      "secretsmanager:DeleteSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetResourcePolicy",
      "secretsmanager:TagResource",
      "secretsmanager:UntagResource",
      "secretsmanager:UpdateSecret",
    ]
    resources = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:${local.prefix}-*"]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "RdsManagedMasterSecretOfEventClusters"
    actions = [
      "secretsmanager:DeleteSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:RotateSecret",
    ]
    resources = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account}:secret:rds!cluster-*"]

    # RDS tags the secrets it manages with the owning cluster.
    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/aws:rds:primaryDBClusterArn"
      values   = ["arn:${local.partition}:rds:${local.region}:${local.account}:cluster:${local.prefix}-*"]
    }
  }

  statement {
    sid = "EdgeRead"
    actions = [
      "cloudfront:DescribeFunction",
      "cloudfront:Get*",
      "cloudfront:List*",
      "acm:DescribeCertificate",
      "acm:ListCertificates",
      "acm:ListTagsForCertificate",
      "route53:GetChange",
      "route53:GetHostedZone",
      "route53:ListHostedZones",
      "route53:ListResourceRecordSets",
      "route53:ListTagsForResource",
    ]
    resources = ["*"]
  }

  statement {
    sid = "EdgeCreateTagged"
    # The distribution, the API's VPC origin and certificates are created with the event's tags
    # (CreateDistributionWithTags, CreateVpcOrigin with Tags).
    actions = [
      "cloudfront:CreateDistribution",
      "cloudfront:CreateVpcOrigin",
      "cloudfront:TagResource",
      "acm:AddTagsToCertificate",
      "acm:RequestCertificate",
    ]
    resources = ["*"]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "EdgeWriteEventResources"
    actions = [
      "cloudfront:CreateInvalidation",
      "cloudfront:DeleteDistribution",
      "cloudfront:DeleteVpcOrigin",
      "cloudfront:TagResource",
      "cloudfront:UntagResource",
      "cloudfront:UpdateDistribution",
      "cloudfront:UpdateVpcOrigin",
      "acm:AddTagsToCertificate",
      "acm:DeleteCertificate",
      "acm:RemoveTagsFromCertificate",
    ]
    resources = [
      "arn:${local.partition}:cloudfront::${local.account}:distribution/*",
      "arn:${local.partition}:cloudfront::${local.account}:vpcorigin/*",
      "arn:${local.partition}:acm:*:${local.account}:certificate/*",
    ]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "EdgeUntaggableParts"
    # Functions are named; OACs, response headers and cache policies take no tags and an ID only
    # (they grant nothing by themselves).
    actions = [
      "cloudfront:CreateCachePolicy",
      "cloudfront:CreateFunction",
      "cloudfront:CreateResponseHeadersPolicy",
      "cloudfront:DeleteCachePolicy",
      "cloudfront:DeleteFunction",
      "cloudfront:DeleteOriginAccessControl",
      "cloudfront:DeleteResponseHeadersPolicy",
      "cloudfront:PublishFunction",
      "cloudfront:UpdateCachePolicy",
      "cloudfront:UpdateFunction",
      "cloudfront:UpdateOriginAccessControl",
      "cloudfront:UpdateResponseHeadersPolicy",
    ]
    resources = [
      "arn:${local.partition}:cloudfront::${local.account}:function/${local.prefix}-*",
      "arn:${local.partition}:cloudfront::${local.account}:origin-access-control/*",
      "arn:${local.partition}:cloudfront::${local.account}:response-headers-policy/*",
      "arn:${local.partition}:cloudfront::${local.account}:cache-policy/*",
    ]
  }

  statement {
    sid       = "EdgeOriginAccessControlCreate"
    actions   = ["cloudfront:CreateOriginAccessControl"]
    resources = ["*"]
  }

  statement {
    sid       = "EdgeWebAclRead"
    actions   = ["wafv2:ListWebACLs", "wafv2:DescribeManagedRuleGroup", "wafv2:ListAvailableManagedRuleGroups"]
    resources = ["*"]
  }

  statement {
    sid = "EdgeWebAcl"
    # The edge's WAF (CLOUDFRONT scope lives in us-east-1), named "<name>-...", and the managed
    # rule groups (Bot Control) it references.
    actions = [
      "wafv2:CreateWebACL",
      "wafv2:DeleteWebACL",
      "wafv2:GetWebACL",
      "wafv2:ListTagsForResource",
      "wafv2:TagResource",
      "wafv2:UntagResource",
      "wafv2:UpdateWebACL",
    ]
    resources = [
      "arn:${local.partition}:wafv2:us-east-1:${local.account}:global/webacl/${local.prefix}-*/*",
      "arn:${local.partition}:wafv2:us-east-1:${local.account}:global/managedruleset/*/*",
    ]
  }

  dynamic "statement" {
    for_each = var.hosted_zone_id == "" ? [] : [var.hosted_zone_id]

    content {
      sid       = "EventHostedZoneRecords"
      actions   = ["route53:ChangeResourceRecordSets"]
      resources = ["arn:${local.partition}:route53:::hostedzone/${statement.value}"]
    }
  }

  dynamic "statement" {
    for_each = var.private_zone_name == "" ? [] : [var.private_zone_name]

    content {
      sid = "PrivateZoneRecords"
      # A zone's ID is known only once created: records are limited to the private zone's names.
      actions   = ["route53:ChangeResourceRecordSets"]
      resources = ["arn:${local.partition}:route53:::hostedzone/*"]

      condition {
        test     = "ForAllValues:StringLike"
        variable = "route53:ChangeResourceRecordSetsNormalizedRecordNames"
        values   = [statement.value, "*.${statement.value}"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.private_zone_name == "" ? [] : [var.private_zone_name]

    content {
      sid = "PrivateZone"
      # CreateHostedZone takes no resource; the others an ID unknown before the apply. A foreign
      # zone cannot be emptied (records above are name-limited), so it cannot be deleted.
      actions = [
        "route53:AssociateVPCWithHostedZone",
        "route53:ChangeTagsForResource",
        "route53:CreateHostedZone",
        "route53:DeleteHostedZone",
        "route53:DisassociateVPCFromHostedZone",
      ]
      resources = ["*"]
    }
  }

  # ------------------------------------------------------------------------------------------
  # Named resources: "<name>-..." buckets, repositories, alarms; "/eventmall/<name>/..." logs.
  # ------------------------------------------------------------------------------------------
  statement {
    sid = "EventBuckets"
    actions = [
      "s3:Get*",
      "s3:List*",
      "s3:CreateBucket",
      "s3:DeleteBucket",
      "s3:PutBucketPolicy",
      "s3:DeleteBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketOwnershipControls",
      "s3:PutBucketVersioning",
      "s3:PutBucketTagging",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
    ]
    resources = ["arn:${local.partition}:s3:::${local.prefix}-*", "arn:${local.partition}:s3:::${local.prefix}-*/*"]
  }

  statement {
    sid = "RegistryLogin"
    actions = [
      "ecr:GetAuthorizationToken",
    ]
    resources = ["*"]
  }

  statement {
    sid = "Registry"
    actions = [
      "ecr:CreateRepository",
      "ecr:DeleteRepository",
      "ecr:DescribeRepositories",
      "ecr:ListTagsForResource",
      "ecr:TagResource",
      "ecr:UntagResource",
      "ecr:PutLifecyclePolicy",
      "ecr:GetLifecyclePolicy",
      "ecr:DeleteLifecyclePolicy",
      "ecr:PutImageScanningConfiguration",
      "ecr:PutImageTagMutability",
      "ecr:DescribeImages",
      "ecr:ListImages",
      "ecr:BatchDeleteImage",
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
    ]
    resources = ["arn:${local.partition}:ecr:${local.region}:${local.account}:repository/${local.prefix}", "arn:${local.partition}:ecr:${local.region}:${local.account}:repository/${local.prefix}-*"]
  }

  statement {
    sid = "LogGroups"
    actions = [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey",
      "logs:DisassociateKmsKey",
      "logs:ListTagsLogGroup",
      "logs:ListTagsForResource",
      "logs:TagLogGroup",
      "logs:TagResource",
      "logs:UntagResource",
    ]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/eventmall/${local.prefix}/*",
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/rds/cluster/${local.prefix}-*",
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:/aws/ecs/containerinsights/${local.prefix}/*",
    ]
  }

  statement {
    sid = "LogGroupsDescribe"
    actions = [
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  statement {
    sid = "Alarms"
    actions = [
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:DeleteAlarms",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "cloudwatch:TagResource",
    ]
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:${local.prefix}-*"]
  }

  statement {
    sid = "PublicAmiParameters"
    actions = [
      "ssm:GetParameter",
      "ssm:GetParameters",
    ]
    resources = ["arn:${local.partition}:ssm:${local.region}::parameter/aws/service/*"]
  }

  statement {
    sid = "UseEventKey"
    actions = [
      "kms:DescribeKey",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:GenerateDataKey",
    ]
    resources = [aws_kms_key.this.arn]
  }

  # ------------------------------------------------------------------------------------------
  # The workloads' roles: created and edited only with the workload boundary, passed only to
  # the services that run them.
  # ------------------------------------------------------------------------------------------
  statement {
    sid = "EventRolesWithBoundary"
    # The calls that support iam:PermissionsBoundary: a role is created, and its policies
    # written, only while it carries the workload boundary.
    actions = [
      "iam:CreateRole",
      "iam:DeleteRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
    ]
    resources = [local.role_arns]

    condition {
      test     = "ArnEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_policy_arn]
    }
  }

  statement {
    sid = "EventRolesTaggedOnCreate"
    # CreateRole with the stacks' default tags needs TagRole with the event's tags.
    actions   = ["iam:TagRole"]
    resources = [local.role_arns]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "EventRolesOfTheEvent"
    # The calls without the boundary key: only on roles carrying the event's tags (the ones
    # the deployer created, with the boundary).
    actions = [
      "iam:DeleteRole",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
    ]
    resources = [local.role_arns]

    dynamic "condition" {
      for_each = local.event_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid = "EventRolesRead"
    actions = [
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:GetInstanceProfile",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
    ]
    resources = [local.role_arns, local.profile_arns, local.boundary_policy_arn]
  }

  statement {
    sid = "EventInstanceProfiles"
    actions = [
      "iam:AddRoleToInstanceProfile",
      "iam:CreateInstanceProfile",
      "iam:DeleteInstanceProfile",
      "iam:RemoveRoleFromInstanceProfile",
      "iam:TagInstanceProfile",
    ]
    resources = [local.profile_arns]
  }

  statement {
    sid = "PassEventRolesToTheirServices"
    actions = [
      "iam:PassRole",
    ]
    resources = [local.role_arns]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = local.passed_to_services
    }
  }

  statement {
    sid = "AttachOnlyKnownManagedPolicies"
    actions = [
      "iam:AttachRolePolicy",
      "iam:DetachRolePolicy",
    ]
    resources = [local.role_arns]

    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values = [
        "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore",
        "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      ]
    }

    condition {
      test     = "ArnEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_policy_arn]
    }
  }

  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:${local.partition}:iam::${local.account}:role/aws-service-role/*"]

    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values = [
        "ecs.amazonaws.com",
        "ecs.application-autoscaling.amazonaws.com",
        "elasticache.amazonaws.com",
        "rds.amazonaws.com",
        "elasticloadbalancing.amazonaws.com",
        # AWSServiceRoleForCloudFrontVPCOrigin: CloudFront's interfaces for the API's VPC origin.
        "vpcorigin.cloudfront.amazonaws.com",
      ]
    }
  }
}

resource "aws_iam_role_policy" "deployer" {
  name   = "deploy-event-stacks"
  role   = aws_iam_role.deployer.id
  policy = data.aws_iam_policy_document.deployer.json
}
