# ---------------------------------------------------------------------------------------------
# WAF web ACL (CLOUDFRONT scope, so in us-east-1), created by default: rate-based rules per client
# address scoped to the two requests that cost the shop (POST /api/session, POST /api/orders),
# answered 429; optionally AWS Bot Control. The API's own per-address limits (backend) are the
# finer, per-10-second layer behind it. web_acl_arn attaches an existing ACL instead.
# ---------------------------------------------------------------------------------------------
locals {
  create_web_acl = var.create_web_acl && var.web_acl_arn == ""
  web_acl_arn    = var.web_acl_arn != "" ? var.web_acl_arn : (local.create_web_acl ? aws_wafv2_web_acl.edge[0].arn : null)
  waf_rate_rules = {
    session = { priority = 10, path = "/api/session", limit = var.waf_session_rate_limit }
    orders  = { priority = 20, path = "/api/orders", limit = var.waf_order_rate_limit }
  }
}

resource "aws_wafv2_web_acl" "edge" {
  #checkov:skip=CKV2_AWS_31:Request logging needs a Firehose or a log group named aws-waf-logs-*; the sampled requests and CloudWatch metrics of every rule cover the rush
  #checkov:skip=CKV_AWS_192:The Log4j managed rule group protects Java backends; this API is Node.js
  count    = local.create_web_acl ? 1 : 0
  provider = aws.us_east_1

  name        = "${var.name}-edge"
  description = "Rate limits on session and order creation per client address for ${var.name}"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = local.waf_rate_rules

    content {
      name     = "rate-post-${rule.key}"
      priority = rule.value.priority

      action {
        block {
          custom_response {
            response_code = 429

            response_header {
              name  = "Retry-After"
              value = "60"
            }
          }
        }
      }

      statement {
        rate_based_statement {
          limit              = rule.value.limit
          aggregate_key_type = "IP"

          scope_down_statement {
            and_statement {
              statement {
                byte_match_statement {
                  search_string         = "POST"
                  positional_constraint = "EXACTLY"

                  field_to_match {
                    method {}
                  }

                  text_transformation {
                    priority = 0
                    type     = "NONE"
                  }
                }
              }

              statement {
                byte_match_statement {
                  search_string         = rule.value.path
                  positional_constraint = "EXACTLY"

                  field_to_match {
                    uri_path {}
                  }

                  text_transformation {
                    priority = 0
                    type     = "NONE"
                  }
                }
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-rate-post-${rule.key}"
        sampled_requests_enabled   = true
      }
    }
  }

  dynamic "rule" {
    for_each = var.enable_bot_control ? [1] : []

    content {
      name     = "aws-bot-control"
      priority = 30

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          name        = "AWSManagedRulesBotControlRuleSet"
          vendor_name = "AWS"
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${var.name}-bot-control"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-edge"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}
