locals {
  # The application user's secret is JSON {"username","password"}: ECS picks the keys.
  secret_base = var.database_secret_arn
}

# The rush sizing: what the floor of tasks serves, from the benchmark's measured capacity, and so
# whether the waiting room stands in front of the orders (on when the expected peak exceeds it).
module "rush" {
  source = "../../modules/rush"

  expected_peak_customers_per_second = var.expected_peak_customers_per_second
  rush_min_capacity                  = var.rush_min_capacity
  measured_capacity                  = var.measured_capacity
  waiting_room                       = var.waiting_room
  waiting_room_inlet_per_second      = var.waiting_room_inlet_per_second
}

module "service" {
  source = "../../modules/service"

  permissions_boundary_arn = var.permissions_boundary_arn

  name                  = local.name
  vpc_id                = var.vpc_id
  subnet_ids            = var.private_subnet_ids
  image                 = var.image
  repository_arn        = var.repository_arn
  container_port        = var.container_port
  cpu                   = var.cpu
  memory                = var.memory
  alb_arn               = var.alb_arn
  target_group_arn      = var.alb_target_group_arn
  alb_security_group_id = var.alb_security_group_id
  egress_security_group_ids = {
    (tostring(var.database_port)) = [var.database_security_group_id]
    "11211"                       = [var.cache_security_group_id]
  }
  environment_variables = merge({
    NODE_ENV       = "production"
    PORT           = tostring(var.container_port)
    DB_HOST        = var.database_endpoint
    DB_READER_HOST = var.database_reader_endpoint
    DB_PORT        = tostring(var.database_port)
    DB_NAME        = var.database_name
    # TLS to Aurora (require_secure_transport), the certificate checked against the RDS CA bundle.
    DB_TLS    = "verify"
    DB_TLS_CA = "rds"
    # The app user's secret: re-read by the API when the database refuses its credentials.
    DB_SECRET_ID      = var.database_secret_arn
    AWS_REGION        = var.region
    MEMCACHED_SERVERS = var.cache_servers != "" ? var.cache_servers : var.cache_endpoint
    LOG_LEVEL         = "info"
    # Viewers use HTTPS at CloudFront only; the ALB hop behind the VPC origin may be HTTP.
    SESSION_COOKIE_SECURE = "always"
    EVENT_NAME            = var.event_name
    EVENT_TIME_ZONE       = var.event_time_zone
    # The API reports it on /healthz: the deploy's smoke test checks the new image is serving.
    IMAGE_REF = var.image
  }, module.rush.environment, var.extra_environment)
  secrets = {
    DB_USER     = "${local.secret_base}:username::"
    DB_PASSWORD = "${local.secret_base}:password::"
  }
  secret_arns            = [var.database_secret_arn]
  app_secret_arns        = [var.database_secret_arn]
  migrator_secret_arn    = var.database_master_secret_arn
  catalogue_bucket_name  = var.state_bucket_name
  catalogue_prefix       = "${var.environment}/catalogue/"
  secrets_kms_key_arn    = var.logs_kms_key_arn
  min_capacity           = var.min_capacity
  rush_min_capacity      = var.rush_min_capacity
  max_capacity           = var.max_capacity
  event_time_zone        = var.event_time_zone
  scale_out_schedule     = var.scale_out_schedule
  scale_in_schedule      = var.scale_in_schedule
  logs_kms_key_arn       = var.logs_kms_key_arn
  alarm_topic_arn        = var.alarm_topic_arn
  enable_execute_command = var.enable_execute_command
  tags                   = local.tags
}

# The data tier admits the service by security-group reference (never a CIDR). The rules live
# here because the service's group is created after the data stack.
resource "aws_vpc_security_group_ingress_rule" "database_from_service" {
  security_group_id            = var.database_security_group_id
  description                  = "MySQL from the ECS service"
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
  referenced_security_group_id = module.service.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "cache_from_service" {
  security_group_id            = var.cache_security_group_id
  description                  = "memcached from the ECS service"
  ip_protocol                  = "tcp"
  from_port                    = 11211
  to_port                      = 11211
  referenced_security_group_id = module.service.security_group_id
}

check "image_from_repository" {
  assert {
    condition     = startswith(var.image, "${var.repository_url}@sha256:")
    error_message = "image must be a digest of the stack's own repository (repository_url@sha256:...)."
  }
}
