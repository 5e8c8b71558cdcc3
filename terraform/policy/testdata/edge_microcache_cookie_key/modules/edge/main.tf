# Broken on purpose: the micro-cache key holds the session cookie, a 30 s TTL, and POST allowed.
resource "aws_cloudfront_cache_policy" "micro" {
  name        = "micro"
  min_ttl     = 0
  default_ttl = 30
  max_ttl     = 30

  parameters_in_cache_key_and_forwarded_to_origin {
    cookies_config {
      cookie_behavior = "all"
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
    path_pattern     = "/api/drops/current"
    target_origin_id = "api"
    allowed_methods  = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cache_policy_id  = aws_cloudfront_cache_policy.micro.id
  }

  ordered_cache_behavior {
    path_pattern     = "/api/*"
    target_origin_id = "api"
    allowed_methods  = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
  }
}
