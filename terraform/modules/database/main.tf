data "aws_partition" "current" {}

resource "aws_db_subnet_group" "this" {
  name        = var.name
  description = "Private subnets of ${var.name}"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-db-"
  description = "Aurora MySQL: ingress only from allow-listed security groups, no egress"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-db" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "allowed" {
  count = length(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "MySQL from an allow-listed security group"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = var.allowed_security_group_ids[count.index]
}

resource "aws_rds_cluster_parameter_group" "this" {
  name_prefix = "${var.name}-"
  family      = "aurora-mysql8.0"
  description = "Cluster parameters of ${var.name}"

  parameter {
    name  = "require_secure_transport"
    value = var.require_secure_transport ? "ON" : "OFF"
  }

  parameter {
    name  = "server_audit_logging"
    value = "1"
  }

  parameter {
    name  = "server_audit_events"
    value = "CONNECT,QUERY_DCL,QUERY_DDL"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  log_exports = ["audit", "error", "slowquery"]
}

# RDS would create these on first export, unencrypted and kept forever (and outside Terraform,
# so they would survive the teardown). Created first, with the event's key and a retention.
resource "aws_cloudwatch_log_group" "exports" {
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days) for a few-day event; the year-long audit record is the CloudTrail bucket
  for_each = toset(local.log_exports)

  name              = "/aws/rds/cluster/${var.name}/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn

  tags = var.tags
}

resource "aws_rds_cluster" "this" {
  #checkov:skip=CKV_AWS_139:Deletion protection is a variable, on by default; the teardown switches it off in its own reviewed change (a final snapshot is kept unless skip_final_snapshot)
  #checkov:skip=CKV_AWS_326:Backtrack rewinds the whole cluster, orders placed since included; recovery is a point-in-time restore to a new cluster
  #checkov:skip=CKV2_AWS_8:Automated backups (backup_retention_days, PITR) cover the few days of an event; an AWS Backup plan is an account-level choice
  cluster_identifier                  = var.name
  engine                              = "aurora-mysql"
  engine_mode                         = "provisioned"
  engine_version                      = var.engine_version
  database_name                       = var.database_name
  master_username                     = var.master_username
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = var.kms_key_arn
  port                                = var.port
  db_subnet_group_name                = aws_db_subnet_group.this.name
  vpc_security_group_ids              = [aws_security_group.this.id]
  db_cluster_parameter_group_name     = aws_rds_cluster_parameter_group.this.name
  availability_zones                  = var.availability_zones
  storage_encrypted                   = true
  kms_key_id                          = var.kms_key_arn
  iam_database_authentication_enabled = true
  backup_retention_period             = var.backup_retention_days
  preferred_backup_window             = var.preferred_backup_window
  preferred_maintenance_window        = var.preferred_maintenance_window
  copy_tags_to_snapshot               = true
  deletion_protection                 = var.deletion_protection
  skip_final_snapshot                 = var.skip_final_snapshot
  final_snapshot_identifier           = var.skip_final_snapshot ? null : "${var.name}-final"
  enabled_cloudwatch_logs_exports     = local.log_exports
  apply_immediately                   = false

  tags = var.tags

  lifecycle {
    # AWS fills in a third zone on its own; do not fight it on every plan.
    ignore_changes = [availability_zones]
  }

  depends_on = [aws_cloudwatch_log_group.exports]
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  permissions_boundary = var.permissions_boundary_arn
  count                = var.monitoring_interval > 0 ? 1 : 0

  name_prefix        = "${substr(var.name, 0, 24)}-rdsmon-"
  path               = "/eventmall/"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# Writer in the first zone, one reader in each following zone: a failover promotes a reader
# in another zone (promotion_tier orders the candidates).
resource "aws_rds_cluster_instance" "this" {
  count = length(var.availability_zones)

  identifier                            = "${var.name}-${count.index}"
  cluster_identifier                    = aws_rds_cluster.this.id
  engine                                = aws_rds_cluster.this.engine
  engine_version                        = aws_rds_cluster.this.engine_version
  instance_class                        = var.instance_class
  availability_zone                     = var.availability_zones[count.index]
  db_subnet_group_name                  = aws_db_subnet_group.this.name
  publicly_accessible                   = false
  promotion_tier                        = count.index
  auto_minor_version_upgrade            = true
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7
  monitoring_interval                   = var.monitoring_interval
  monitoring_role_arn                   = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null
  copy_tags_to_snapshot                 = true
  apply_immediately                     = false

  tags = merge(var.tags, { Role = count.index == 0 ? "writer" : "reader" })
}

# The application user's credentials (issue 12): a separate least-privilege user (SELECT, INSERT,
# UPDATE), never the master. Terraform creates only the secret, KMS-encrypted and with no value:
# the password is generated and written by the migrator step (backend/src/cli/grant-app-user.js,
# APP_DB_SECRET_ID), like RDS does for the master with manage_master_user_password, so it is in no
# state, plan or log. Each run of that step rotates it; the tasks re-read it on refusal.
resource "aws_secretsmanager_secret" "app_user" {
  #checkov:skip=CKV2_AWS_57:Rotated by the migrator step (grant-app-user.js writes a new password on every run, the tasks re-read it on refusal), not by a rotation Lambda
  name_prefix             = "${var.name}-app-user-"
  description             = "Aurora application user ${var.app_username} of ${var.name} (JSON username/password), written by grant-app-user.js"
  kms_key_id              = var.secrets_kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  tags = var.tags
}
