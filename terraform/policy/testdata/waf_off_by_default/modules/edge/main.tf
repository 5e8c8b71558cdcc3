# Broken: the web ACL exists only when asked for (create_web_acl defaults to false), so by default
# the distribution has none.
variable "create_web_acl" {
  type        = bool
  description = "Create the web ACL."
  default     = false
}

variable "web_acl_arn" {
  type        = string
  description = "An existing ACL."
  default     = ""
}

locals {
  web_acl_arn = var.web_acl_arn != "" ? var.web_acl_arn : (var.create_web_acl ? aws_wafv2_web_acl.edge[0].arn : null)
}

resource "aws_wafv2_web_acl" "edge" {
  count = var.create_web_acl ? 1 : 0

  name  = "shop-edge"
  scope = "CLOUDFRONT"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-post-session"
    priority = 10

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
                search_string         = "/api/session"
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
                search_string         = "/api/orders"
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

resource "aws_cloudfront_distribution" "this" {
  web_acl_id = local.web_acl_arn

  ordered_cache_behavior {
    path_pattern = "/api/*"
  }
}
