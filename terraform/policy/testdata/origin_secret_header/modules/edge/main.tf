# Broken on purpose (policy test): CloudFront reaches the ALB as a custom origin on the internet
# and proves itself with a shared secret header, as before issue 16.
resource "random_password" "origin_verify" {
  length = 48
}

resource "aws_cloudfront_distribution" "this" {
  enabled = true

  origin {
    origin_id   = "api-alb"
    domain_name = "alb.example.com"

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }

    custom_header {
      name  = "X-Origin-Verify"
      value = random_password.origin_verify.result
    }
  }

  default_cache_behavior {
    target_origin_id       = "api-alb"
    viewer_protocol_policy = "redirect-to-https"
  }
}
