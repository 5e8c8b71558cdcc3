# Broken on purpose (policy test): secrets passed as plain environment variables.
variable "session_keys" {
  description = "Session signing keys."
  type        = string
  sensitive   = true
}

module "service" {
  source       = "../../modules/service"
  session_keys = var.session_keys
  environment_variables = merge({
    NODE_ENV    = "production"
    DB_PASSWORD = "from-a-variable"
  }, { SESSION_KEYS = var.session_keys })
}
