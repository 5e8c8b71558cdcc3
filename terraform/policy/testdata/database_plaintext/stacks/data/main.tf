# Broken on purpose (policy test): the stack turns TLS off by default, as before issue 12.
variable "database_require_secure_transport" {
  description = "Refuse non-TLS MySQL connections."
  type        = bool
  default     = false
}

module "database" {
  source                   = "../../modules/database"
  require_secure_transport = var.database_require_secure_transport
}
