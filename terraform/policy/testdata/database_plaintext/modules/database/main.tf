# Broken on purpose (policy test): the cluster accepts plaintext (no require_secure_transport).
variable "require_secure_transport" {
  description = "Refuse plaintext."
  type        = bool
  default     = true
}

resource "aws_rds_cluster_parameter_group" "this" {
  family = "aurora-mysql8.0"

  parameter {
    name  = "server_audit_logging"
    value = "1"
  }
}
