resource "aws_ecs_service" "this" {
  network_configuration {
    subnets          = var.subnet_ids
    assign_public_ip = true
  }
}
