# Broken: the order rule's scope-down statement was removed, so it counts every request.
variable "name" {
  type        = string
  description = "Name."
  default     = "shop"
}

locals {
  rules = {
    session = { priority = 10, path = "/api/session", scoped = true }
    orders  = { priority = 20, path = "/api/orders", scoped = false }
  }
}

resource "aws_wafv2_web_acl" "edge" {
  name  = "${var.name}-edge"
  scope = "CLOUDFRONT"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = { for k, v in local.rules : k => v if v.scoped }

    content {
      name     = "rate-post-${rule.key}"
      priority = rule.value.priority

      action {
        block {}
      }

      statement {
        rate_based_statement {
          limit              = 300
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
    }
  }

  rule {
    name     = "rate-post-orders"
    priority = 20

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit              = 300
        aggregate_key_type = "IP"
      }
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  web_acl_id = aws_wafv2_web_acl.edge.arn

  ordered_cache_behavior {
    path_pattern = "/api/*"
  }
}
