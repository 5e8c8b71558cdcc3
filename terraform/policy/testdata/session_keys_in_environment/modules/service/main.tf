# Broken on purpose (policy test): the session signing keys in the container's plain environment.
variable "environment_variables" {
  description = "Plain environment."
  type        = map(string)
}

variable "session_keys" {
  description = "Session signing keys."
  type        = string
  sensitive   = true
}

resource "aws_ecs_task_definition" "this" {
  family = "api"
  container_definitions = jsonencode([{
    name  = "api"
    image = "api@sha256:0000000000000000000000000000000000000000000000000000000000000000"
    environment = concat(
      [for k, v in var.environment_variables : { name = k, value = v }],
      [{ name = "SESSION_KEYS", value = var.session_keys }],
    )
  }])
}
