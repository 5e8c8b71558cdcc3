resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/c/s"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 2
  max_capacity       = 20

  lifecycle {
    ignore_changes = [max_capacity]
  }
}

resource "aws_appautoscaling_scheduled_action" "before_midnight" {
  name               = "before-midnight"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension
  schedule           = "cron(40 23 * * ? *)"

  scalable_target_action {
    min_capacity = 8
  }
}
