# Broken on purpose: the micro-cache behaviours come after /api/*, so CloudFront never uses them.
variable "api_microcache_path_patterns" {
  type    = list(string)
  default = ["/api/drops/current", "/api/products/*"]
}

resource "aws_cloudfront_cache_policy" "micro" {
  name        = "micro"
  min_ttl     = 0
  default_ttl = 1
  max_ttl     = 1

  parameters_in_cache_key_and_forwarded_to_origin {
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  ordered_cache_behavior {
    path_pattern     = "/api/*"
    target_origin_id = "api"
    allowed_methods  = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
  }

  dynamic "ordered_cache_behavior" {
    for_each = var.api_microcache_path_patterns
    content {
      path_pattern     = ordered_cache_behavior.value
      target_origin_id = "api"
      allowed_methods  = ["GET", "HEAD"]
      cache_policy_id  = aws_cloudfront_cache_policy.micro.id
    }
  }
}
