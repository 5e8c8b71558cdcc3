variable "subnet_ids" {
  description = "Subnets."
  type        = list(string)
}

resource "aws_ecs_service" "this" {
  network_configuration {
    subnets          = var.subnet_ids
    assign_public_ip = false
  }
}
