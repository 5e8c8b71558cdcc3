# Broken on purpose: a workload role without the permissions boundary.
data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "task" {
  name_prefix        = "worker-task-"
  path               = "/eventmall/"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}
