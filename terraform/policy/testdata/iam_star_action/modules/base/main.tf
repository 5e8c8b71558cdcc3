data "aws_iam_policy_document" "deployer" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}
