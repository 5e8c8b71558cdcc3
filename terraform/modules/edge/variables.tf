variable "name" {
  description = "Name prefix of the edge resources."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "bucket_name" {
  description = "Name of the private S3 bucket holding the frontend build (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "..")
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)."
  }
}

variable "force_destroy" {
  description = "Let `terraform destroy` empty the site bucket. True by default: the bucket only holds a rebuildable frontend build."
  type        = bool
  default     = true
}

variable "api_origin_domain_name" {
  description = "DNS name CloudFront uses for the ALB origin (alb module output origin_domain_name): the Host and TLS name of origin requests."
  type        = string

  validation {
    condition     = length(var.api_origin_domain_name) > 3
    error_message = "api_origin_domain_name must be a DNS name."
  }
}

variable "api_origin_alb_arn" {
  description = "ARN of the internal ALB (alb module output alb_arn): the target of the CloudFront VPC origin."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:loadbalancer/app/", var.api_origin_alb_arn))
    error_message = "api_origin_alb_arn must be the ARN of an application load balancer."
  }
}

variable "api_origin_protocol" {
  description = "Protocol of the ALB listener: HTTPS (domain mode) or HTTP (no-domain mode)."
  type        = string
  default     = "HTTPS"

  validation {
    condition     = contains(["HTTPS", "HTTP"], var.api_origin_protocol)
    error_message = "api_origin_protocol must be HTTPS or HTTP."
  }
}

variable "api_path_patterns" {
  description = "Path patterns served by the ALB origin, uncached; everything else comes from S3."
  type        = list(string)
  default     = ["/api/*", "/healthz", "/readyz"]

  validation {
    condition     = length(var.api_path_patterns) >= 1 && alltrue([for p in var.api_path_patterns : startswith(p, "/")])
    error_message = "api_path_patterns must list at least one pattern, each starting with /."
  }
}

variable "api_microcache_path_patterns" {
  description = "Public, viewer-independent API reads micro-cached at the edge (own cache behaviour, placed before api_path_patterns)."
  type        = list(string)
  default     = ["/api/drops/current", "/api/products/*", "/api/queue/state"]

  validation {
    condition     = alltrue([for p in var.api_microcache_path_patterns : startswith(p, "/api/") && !contains(["/api/*", "/api/session", "/api/orders", "/api/orders/*", "/api/queue", "/api/queue/status"], p)])
    error_message = "api_microcache_path_patterns must be public /api/ read paths; never /api/*, sessions or orders."
  }
}

variable "api_microcache_ttl_seconds" {
  description = "Edge TTL of the micro-cached API reads (the API sends the matching max-age and stale-while-revalidate)."
  type        = number
  default     = 1

  validation {
    condition     = var.api_microcache_ttl_seconds >= 1 && var.api_microcache_ttl_seconds <= 5 && floor(var.api_microcache_ttl_seconds) == var.api_microcache_ttl_seconds
    error_message = "api_microcache_ttl_seconds must be a whole number of seconds between 1 and 5 (stock shown must stay fresh)."
  }
}

variable "domain_name" {
  description = "Viewer domain of the shop (e.g. \"shop.example.com\"); empty to use the *.cloudfront.net name."
  type        = string
  default     = ""

  validation {
    condition     = var.domain_name == "" || can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.domain_name))
    error_message = "domain_name must be empty or a lowercase DNS name."
  }
}

variable "hosted_zone_id" {
  description = "Route 53 public hosted zone of domain_name; required when domain_name is set."
  type        = string
  default     = ""

  validation {
    condition     = var.hosted_zone_id == "" || can(regex("^Z[A-Z0-9]+$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be empty or a Route 53 zone ID (Z...)."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_200"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "web_acl_arn" {
  description = "ARN of an existing WAFv2 web ACL (scope CLOUDFRONT, in us-east-1) to attach instead of the created one; empty to use create_web_acl."
  type        = string
  default     = ""

  validation {
    condition     = var.web_acl_arn == "" || can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:", var.web_acl_arn))
    error_message = "web_acl_arn must be empty or a WAFv2 ARN in us-east-1."
  }
}

variable "create_web_acl" {
  description = "Create a WAFv2 web ACL (rate rules on POST /api/session and POST /api/orders per client address) and attach it. Ignored when web_acl_arn is set."
  type        = bool
  default     = true
}

variable "waf_session_rate_limit" {
  description = "POST /api/session requests per client address per 5 minutes before the web ACL answers 429."
  type        = number
  default     = 300

  validation {
    condition     = var.waf_session_rate_limit >= 100 && var.waf_session_rate_limit <= 2000000000 && floor(var.waf_session_rate_limit) == var.waf_session_rate_limit
    error_message = "waf_session_rate_limit must be a whole number from 100 (the smallest WAF rate limit in every provider version) to 2000000000."
  }
}

variable "waf_order_rate_limit" {
  description = "POST /api/orders requests per client address per 5 minutes before the web ACL answers 429."
  type        = number
  default     = 300

  validation {
    condition     = var.waf_order_rate_limit >= 100 && var.waf_order_rate_limit <= 2000000000 && floor(var.waf_order_rate_limit) == var.waf_order_rate_limit
    error_message = "waf_order_rate_limit must be a whole number from 100 (the smallest WAF rate limit in every provider version) to 2000000000."
  }
}

variable "enable_bot_control" {
  description = "Add the AWS Bot Control managed rule group (Common level) to the created web ACL; priced per request, off by default."
  type        = bool
  default     = false
}

variable "content_security_policy" {
  description = "Content-Security-Policy header sent with every response."
  type        = string
  default     = "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

  validation {
    condition     = length(var.content_security_policy) > 0
    error_message = "content_security_policy must not be empty."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
