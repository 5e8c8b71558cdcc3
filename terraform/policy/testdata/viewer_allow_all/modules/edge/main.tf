# Broken on purpose (policy test): a behaviour that serves viewers over plain HTTP.
resource "aws_cloudfront_distribution" "this" {
  enabled = true

  default_cache_behavior {
    target_origin_id       = "site-s3"
    viewer_protocol_policy = "redirect-to-https"
  }

  ordered_cache_behavior {
    path_pattern           = "/api/*"
    target_origin_id       = "api"
    viewer_protocol_policy = "allow-all"
  }
}
