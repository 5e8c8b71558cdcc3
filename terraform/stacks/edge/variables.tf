variable "vpc_id" {
  description = "ID of the VPC (network stack output)."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC (network stack output)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the ALB (network stack output)."
  type        = list(string)
}

variable "site_bucket_name" {
  description = "Name of the site bucket; empty: \"<project>-<environment>-site-<account id>\"."
  type        = string
  default     = ""
}

variable "domain_name" {
  description = "Viewer domain of the shop (e.g. shop.example.com); empty to use the cloudfront.net name. The API origin then gets \"origin.<domain_name>\"."
  type        = string
  default     = ""
}

variable "hosted_zone_id" {
  description = "Route 53 public zone of domain_name; required when domain_name is set."
  type        = string
  default     = ""

  validation {
    condition     = var.hosted_zone_id == "" || can(regex("^Z[A-Z0-9]+$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be empty or a Route 53 zone ID."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_200"
}

variable "web_acl_arn" {
  description = "Optional WAFv2 web ACL (CLOUDFRONT scope) for the distribution."
  type        = string
  default     = ""
}

variable "container_port" {
  description = "Port the API containers listen on (the target group's port)."
  type        = number
  default     = 8080
}
