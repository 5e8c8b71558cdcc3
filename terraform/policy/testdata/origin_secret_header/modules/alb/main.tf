# Broken on purpose (policy test): the listener forwards only requests with the secret header.
variable "origin_verify_header_value" {
  description = "Shared secret."
  type        = string
  sensitive   = true
}

resource "aws_lb_listener_rule" "api" {
  listener_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/0123456789abcdef/0123456789abcdef"

  action {
    type = "forward"
  }

  condition {
    http_header {
      http_header_name = "X-Origin-Verify"
      values           = [var.origin_verify_header_value]
    }
  }
}
