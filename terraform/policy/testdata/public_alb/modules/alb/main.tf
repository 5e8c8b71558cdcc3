# Broken on purpose (policy test): an internet-facing ALB in public subnets, as before issue 16.
variable "public_subnet_ids" {
  description = "Public subnets."
  type        = list(string)
}

resource "aws_lb" "this" {
  internal = false
  subnets  = var.public_subnet_ids
}
