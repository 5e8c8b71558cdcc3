locals {
  custom_domain = var.domain_name != ""
  s3_origin_id  = "site-s3"
  api_origin_id = "api-alb"
}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

# The rush's public reads (the current drop, a product) are the same for every buyer: a micro-cache
# of api_microcache_ttl_seconds at the edge, shared by all viewers (no cookie, header or query
# string in the key), honouring the origin's stale-while-revalidate. Each edge location then asks
# the ALB about once a second per path, however many buyers read it at midnight.
resource "aws_cloudfront_cache_policy" "api_microcache" {
  name        = "${var.name}-api-microcache"
  comment     = "Public API reads of ${var.name}: ${var.api_microcache_ttl_seconds} s at the edge, no viewer data in the key"
  min_ttl     = 0
  default_ttl = var.api_microcache_ttl_seconds
  max_ttl     = var.api_microcache_ttl_seconds

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

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

# ---------------------------------------------------------------------------------------------
# Private site bucket: no public access of any kind; CloudFront reads it through OAC.
# ---------------------------------------------------------------------------------------------
resource "aws_s3_bucket" "site" {
  #checkov:skip=CKV_AWS_18:Access is logged at CloudFront (the only reader); server access logs of a build-artifact bucket add cost and no insight
  #checkov:skip=CKV_AWS_144:The content is a rebuildable frontend build, re-synced by the pipeline; cross-region replication buys nothing
  #checkov:skip=CKV2_AWS_62:No consumer for object events; the pipeline invalidates CloudFront itself after a sync
  #checkov:skip=CKV_AWS_145:SSE-S3 on purpose: the objects are public web assets served by CloudFront; SSE-KMS would need a key policy for CloudFront and add per-request KMS cost without confidentiality gain
  bucket        = var.bucket_name
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket = aws_s3_bucket.site.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "site" {
  bucket = aws_s3_bucket.site.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    id     = "expire-old-builds"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "${var.name}-site"
  description                       = "CloudFront reads ${var.bucket_name} with SigV4"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# Only this distribution may read the bucket; nothing may reach it without TLS.
data "aws_iam_policy_document" "site" {
  statement {
    sid       = "CloudFrontReadThroughOAC"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.this.arn]
    }
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.site.arn, "${aws_s3_bucket.site.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = data.aws_iam_policy_document.site.json

  depends_on = [aws_s3_bucket_public_access_block.site]
}

# ---------------------------------------------------------------------------------------------
# Certificate (us-east-1, CloudFront's region) and DNS, only when a domain is given.
# ---------------------------------------------------------------------------------------------
resource "aws_acm_certificate" "viewer" {
  count    = local.custom_domain ? 1 : 0
  provider = aws.us_east_1

  domain_name       = var.domain_name
  validation_method = "DNS"

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "viewer_validation" {
  for_each = local.custom_domain ? {
    for o in aws_acm_certificate.viewer[0].domain_validation_options : o.domain_name => o
  } : {}

  zone_id         = var.hosted_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  ttl             = 300
  records         = [each.value.resource_record_value]
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "viewer" {
  count    = local.custom_domain ? 1 : 0
  provider = aws.us_east_1

  certificate_arn         = aws_acm_certificate.viewer[0].arn
  validation_record_fqdns = [for r in aws_route53_record.viewer_validation : r.fqdn]
}

# ---------------------------------------------------------------------------------------------
# VPC origin: CloudFront's own network interfaces inside the VPC reach the internal ALB over AWS's
# network. HTTPS to the ALB when it has a certificate (domain mode), HTTP inside the VPC otherwise.
# ---------------------------------------------------------------------------------------------
resource "aws_cloudfront_vpc_origin" "api" {
  vpc_origin_endpoint_config {
    name                   = "${var.name}-api"
    arn                    = var.api_origin_alb_arn
    http_port              = 80
    https_port             = 443
    origin_protocol_policy = var.api_origin_protocol == "HTTPS" ? "https-only" : "http-only"

    origin_ssl_protocols {
      items    = ["TLSv1.2"]
      quantity = 1
    }
  }

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# Distribution: S3 for the shop, the internal ALB (VPC origin) for the API.
# ---------------------------------------------------------------------------------------------
resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name}-security-headers"
  comment = "Security headers for ${var.name}"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 31536000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }

    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }

    content_security_policy {
      content_security_policy = var.content_security_policy
      override                = true
    }
  }
}

# Single-page app: paths without a file extension are the React router's, serve index.html.
# (A custom_error_response would also rewrite the API's own 404s, so this is done per behaviour.)
resource "aws_cloudfront_function" "spa_rewrite" {
  name    = "${var.name}-spa-rewrite"
  runtime = "cloudfront-js-2.0"
  comment = "Serve index.html for client-side routes"
  publish = true
  code    = <<-EOT
    function handler(event) {
      var request = event.request;
      var last = request.uri.split('/').pop();
      if (request.uri.endsWith('/') || last.indexOf('.') === -1) {
        request.uri = '/index.html';
      }
      return request;
    }
  EOT
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_68:A web ACL is attached by default (waf.tf, create_web_acl); checkov cannot follow the conditional local, and an owner may switch it off for a private test event
  #checkov:skip=CKV_AWS_86:Access logs need an ACL-enabled logging bucket; CloudFront standard metrics and the ALB/ECS logs cover the event
  #checkov:skip=CKV_AWS_310:Origin failover groups only apply to GET/HEAD; the S3 origin is regional and highly available, the API origin is a multi-AZ ALB
  #checkov:skip=CKV_AWS_374:Geo restriction is a business decision; the event is sold worldwide
  #checkov:skip=CKV2_AWS_47:The Log4j managed rule group protects Java backends; the backend is Node.js (the web ACL holds rate rules, see waf.tf)
  #checkov:skip=CKV2_AWS_42:A custom certificate is used whenever domain_name is set; without a domain only the cloudfront.net certificate exists
  #checkov:skip=CKV_AWS_174:TLSv1.2_2021 is set whenever a custom certificate exists; the default cloudfront.net certificate cannot set a minimum protocol
  enabled             = true
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  comment             = "${var.name} shop"
  price_class         = var.price_class
  default_root_object = "index.html"
  aliases             = local.custom_domain ? [var.domain_name] : []
  web_acl_id          = local.web_acl_arn

  origin {
    origin_id                = local.s3_origin_id
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  # The API: the internal ALB, reached only through the CloudFront VPC origin (no public
  # address, no shared secret header).
  origin {
    origin_id   = local.api_origin_id
    domain_name = var.api_origin_domain_name

    vpc_origin_config {
      vpc_origin_id            = aws_cloudfront_vpc_origin.api.id
      origin_read_timeout      = 30
      origin_keepalive_timeout = 5
    }
  }

  default_cache_behavior {
    target_origin_id           = local.s3_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa_rewrite.arn
    }
  }

  # Before the uncached API patterns: CloudFront takes the first matching behaviour.
  dynamic "ordered_cache_behavior" {
    for_each = var.api_microcache_path_patterns

    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = local.api_origin_id
      viewer_protocol_policy     = "https-only"
      allowed_methods            = ["GET", "HEAD", "OPTIONS"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = aws_cloudfront_cache_policy.api_microcache.id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    }
  }

  dynamic "ordered_cache_behavior" {
    for_each = var.api_path_patterns

    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = local.api_origin_id
      viewer_protocol_policy     = "https-only"
      allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id
      origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = local.custom_domain ? null : true
    acm_certificate_arn            = local.custom_domain ? aws_acm_certificate_validation.viewer[0].certificate_arn : null
    ssl_support_method             = local.custom_domain ? "sni-only" : null
    minimum_protocol_version       = local.custom_domain ? "TLSv1.2_2021" : "TLSv1"
  }

  tags = var.tags
}

resource "aws_route53_record" "viewer" {
  for_each = local.custom_domain ? toset(["A", "AAAA"]) : toset([])

  zone_id = var.hosted_zone_id
  name    = var.domain_name
  type    = each.value

  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}
