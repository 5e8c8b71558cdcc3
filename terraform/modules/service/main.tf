data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  container_name = "api"
  # arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app/NAME/ID -> app/NAME/ID
  alb_arn_suffix = trimprefix(split(":", var.alb_arn)[5], "loadbalancer/")
  # arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID -> targetgroup/NAME/ID
  tg_arn_suffix  = split(":", var.target_group_arn)[5]
  resource_label = "${local.alb_arn_suffix}/${local.tg_arn_suffix}"

  alarm_actions = var.alarm_topic_arn == "" ? [] : [var.alarm_topic_arn]

  egress_rules = flatten([
    for port, groups in var.egress_security_group_ids : [
      for i, g in groups : { key = "${port}-${i}", port = tonumber(port), group = g }
    ]
  ])
}

# Container Insights would create this group itself, kept forever and outside Terraform.
resource "aws_cloudwatch_log_group" "insights" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days): performance metrics of a few-day event
  name              = "/aws/ecs/containerinsights/${var.name}/performance"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.insights]
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days): application logs of a few-day event; the year-long audit record is the CloudTrail bucket
  name              = "/eventmall/${var.name}/api"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# Security group: in from the ALB only; out to HTTPS (ECR, Secrets Manager, through NAT) and to
# the data tier by security-group reference.
# ---------------------------------------------------------------------------------------------
resource "aws_security_group" "this" {
  name_prefix = "${var.name}-svc-"
  description = "ECS tasks: ingress only from the ALB security group"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-service" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  security_group_id            = aws_security_group.this.id
  description                  = "Container port from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch) through NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "data" {
  for_each = { for r in local.egress_rules : r.key => r }

  security_group_id            = aws_security_group.this.id
  description                  = "Data tier on port ${each.value.port}"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = each.value.group
}

# ---------------------------------------------------------------------------------------------
# The session signing keys (SESSION_KEYS, "current[,previous]"): their own secret, KMS-encrypted,
# created with no value (no key in any state); backend/src/cli/session-keys.js writes and rotates
# it. ECS fills SESSION_KEYS from it at task start, never through the plain environment.
# ---------------------------------------------------------------------------------------------
resource "aws_secretsmanager_secret" "session_keys" {
  #checkov:skip=CKV2_AWS_57:Rotated by backend/src/cli/session-keys.js (staged: the new key accepted first, promoted after the roll, the previous kept one session lifetime to verify), not by a rotation Lambda
  name_prefix             = "${var.name}-session-keys-"
  description             = "Session signing keys of ${var.name} (SESSION_KEYS), written by session-keys.js"
  kms_key_id              = var.secrets_kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = var.tags
}

locals {
  # What ECS reads at task start: the listed secrets and the session keys.
  execution_secret_arns = concat(var.secret_arns, [aws_secretsmanager_secret.session_keys.arn])
  region                = data.aws_region.current.name
  secrets_via           = "secretsmanager.${local.region}.amazonaws.com"
}

# ---------------------------------------------------------------------------------------------
# IAM: the execution role pulls the image, writes logs and reads the task's secrets (the listed
# ones and the session keys); the task role (the application's identity) reads only the secrets
# the application re-reads itself (app_secret_arns: the app user's, on refusal) and, with ECS
# Exec, the SSM channels.
# ---------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid = "EcrAuth"
    # GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [var.repository_arn]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "ReadSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.execution_secret_arns
  }

  statement {
    sid       = "DecryptSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.secrets_via]
    }
  }
}

resource "aws_iam_role" "execution" {
  permissions_boundary = var.permissions_boundary_arn
  name_prefix          = "${substr(var.name, 0, 24)}-exec-"
  path                 = "/eventmall/"
  assume_role_policy   = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-log-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  permissions_boundary = var.permissions_boundary_arn
  name_prefix          = "${substr(var.name, 0, 24)}-task-"
  path                 = "/eventmall/"
  assume_role_policy   = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "app_secrets" {
  dynamic "statement" {
    for_each = length(var.app_secret_arns) == 0 ? [] : [1]

    content {
      sid       = "ReadOwnSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.app_secret_arns
    }
  }

  dynamic "statement" {
    for_each = length(var.app_secret_arns) == 0 ? [] : [1]

    content {
      sid       = "DecryptOwnSecrets"
      actions   = ["kms:Decrypt"]
      resources = [var.secrets_kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.secrets_via]
      }
    }
  }
}

resource "aws_iam_role_policy" "app_secrets" {
  count = length(var.app_secret_arns) == 0 ? 0 : 1

  name   = "read-own-secrets"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.app_secrets.json
}

# ---------------------------------------------------------------------------------------------
# The migrator: the deploy's release task (db-release.js, grant-app-user.js, session-keys.js
# --if-empty; .dagger/dbrelease) runs as this role, as both its execution role (ECS pulls the image,
# ships the logs, fills DB_USER/DB_PASSWORD from the RDS-managed master secret) and its task role
# (the scripts write the app user's password and the first session key). The service's own roles
# never read the master secret nor write any secret. The master secret is encrypted with the
# AWS-managed key (the database module's kms_key_arn is null): no KMS grant is needed for it.
# ---------------------------------------------------------------------------------------------
data "aws_iam_policy_document" "migrator" {
  statement {
    sid = "EcrAuth"
    # GetAuthorizationToken has no resource-level permissions: "*" is the only valid resource.
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [var.repository_arn]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "ReadMasterSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.migrator_secret_arn]
  }

  statement {
    sid       = "WriteTaskSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]
    resources = concat(var.app_secret_arns, [aws_secretsmanager_secret.session_keys.arn])
  }

  statement {
    sid       = "TaskSecretsKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.secrets_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.secrets_via]
    }
  }

  # A catalogue-only deploy's load-catalogue (node src/cli/catalog-load.js with CATALOG_OBJECT, in the
  # running image, as this role) reads the published catalogue object: that folder only, reads only.
  dynamic "statement" {
    for_each = var.catalogue_bucket_name == "" ? [] : [var.catalogue_bucket_name]
    content {
      sid       = "ReadPublishedCatalogue"
      actions   = ["s3:GetObject"]
      resources = ["arn:${data.aws_partition.current.partition}:s3:::${statement.value}/${var.catalogue_prefix}*"]
    }
  }
}

resource "aws_iam_role" "migrator" {
  permissions_boundary = var.permissions_boundary_arn
  name_prefix          = "${substr(var.name, 0, 24)}-migr-"
  path                 = "/eventmall/"
  assume_role_policy   = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

resource "aws_iam_role_policy" "migrator" {
  name   = "release"
  role   = aws_iam_role.migrator.id
  policy = data.aws_iam_policy_document.migrator.json
}

data "aws_iam_policy_document" "exec_command" {
  statement {
    sid = "EcsExecChannels"
    # The SSM message channels have no resource-level permissions.
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "exec_command" {
  count = var.enable_execute_command ? 1 : 0

  name   = "ecs-exec"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.exec_command.json
}

# ---------------------------------------------------------------------------------------------
# Task definition and service.
# ---------------------------------------------------------------------------------------------
resource "aws_ecs_task_definition" "this" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([
    {
      name                   = local.container_name
      image                  = var.image
      essential              = true
      readonlyRootFilesystem = true
      portMappings = [{
        containerPort = var.container_port
        protocol      = "tcp"
      }]
      environment = [for k, v in var.environment_variables : { name = k, value = v }]
      secrets = concat(
        [for k, v in var.secrets : { name = k, valueFrom = v }],
        [{ name = "SESSION_KEYS", valueFrom = aws_secretsmanager_secret.session_keys.arn }],
      )
      mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      healthCheck = {
        command     = ["CMD-SHELL", "node -e \"fetch('http://127.0.0.1:${var.container_port}/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))\""]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "api"
        }
      }
    }
  ])

  volume {
    name = "tmp"
  }

  tags = var.tags
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = var.min_capacity
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = var.health_check_grace_period
  enable_execute_command             = var.enable_execute_command
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = false

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = local.container_name
    container_port   = var.container_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # A rollout that makes the API answer 5xx or fail the ALB health check is rolled back too. The
  # deploy pipeline counts any rollback as a failed deploy (wait-service-stable).
  alarms {
    alarm_names = [aws_cloudwatch_metric_alarm.target_5xx.alarm_name, aws_cloudwatch_metric_alarm.unhealthy_hosts.alarm_name]
    enable      = true
    rollback    = true
  }

  tags = var.tags

  lifecycle {
    # Autoscaling owns the running count.
    ignore_changes = [desired_count]
  }
}

# ---------------------------------------------------------------------------------------------
# Autoscaling: target tracking on CPU and on ALB requests per task, plus a schedule that raises
# the floor before the midnight drop (event time zone) and lowers it after the rush.
# ---------------------------------------------------------------------------------------------
resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_capacity
  max_capacity       = var.max_capacity

  lifecycle {
    # The schedule owns the capacities once created: the 23:40 action raises the floor and the
    # 01:30 one lowers it again, each to the variables' values. A plan in between must not see
    # that as drift and reset the floor mid-rush (terraform/policy checks this).
    ignore_changes = [min_capacity, max_capacity]

    precondition {
      condition     = var.min_capacity <= var.rush_min_capacity && var.rush_min_capacity <= var.max_capacity
      error_message = "Capacities must satisfy min_capacity <= rush_min_capacity <= max_capacity."
    }
  }
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target
    scale_out_cooldown = 30
    scale_in_cooldown  = 300

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "${var.name}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.requests_per_target
    scale_out_cooldown = 30
    scale_in_cooldown  = 300

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = local.resource_label
    }
  }
}

resource "aws_appautoscaling_scheduled_action" "rush_scale_out" {
  name               = "${var.name}-before-midnight"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  schedule           = var.scale_out_schedule
  timezone           = var.event_time_zone

  scalable_target_action {
    min_capacity = var.rush_min_capacity
    max_capacity = var.max_capacity
  }
}

resource "aws_appautoscaling_scheduled_action" "rush_scale_in" {
  name               = "${var.name}-after-rush"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  schedule           = var.scale_in_schedule
  timezone           = var.event_time_zone

  scalable_target_action {
    min_capacity = var.min_capacity
    max_capacity = var.max_capacity
  }

  # The Application Auto Scaling API rejects concurrent changes to one target's actions.
  depends_on = [aws_appautoscaling_scheduled_action.rush_scale_out]
}

# ---------------------------------------------------------------------------------------------
# Alarms. 5xx and unhealthy targets always exist (the service's deployments roll back on them);
# they notify only with a topic. CPU high exists only with a topic.
# ---------------------------------------------------------------------------------------------
moved {
  from = aws_cloudwatch_metric_alarm.target_5xx[0]
  to   = aws_cloudwatch_metric_alarm.target_5xx
}

moved {
  from = aws_cloudwatch_metric_alarm.unhealthy_hosts[0]
  to   = aws_cloudwatch_metric_alarm.unhealthy_hosts
}

resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  alarm_name          = "${var.name}-api-5xx"
  alarm_description   = "The API answers with 5xx errors"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 20
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    LoadBalancer = local.alb_arn_suffix
    TargetGroup  = local.tg_arn_suffix
  }
  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${var.name}-api-unhealthy-targets"
  alarm_description   = "Tasks fail the ALB health check"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    LoadBalancer = local.alb_arn_suffix
    TargetGroup  = local.tg_arn_suffix
  }
  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "cpu_at_max" {
  count = var.alarm_topic_arn == "" ? 0 : 1

  alarm_name          = "${var.name}-api-cpu-high"
  alarm_description   = "CPU stays high: the service may be at max_capacity"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  threshold           = 85
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  dimensions = {
    ClusterName = aws_ecs_cluster.this.name
    ServiceName = aws_ecs_service.this.name
  }
  alarm_actions = [var.alarm_topic_arn]
  ok_actions    = [var.alarm_topic_arn]

  tags = var.tags
}
