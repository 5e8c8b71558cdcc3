# Broken on purpose (policy test): the stack places the ALB in the public subnets.
variable "public_subnet_ids" {
  description = "Public subnets (network stack output)."
  type        = list(string)
}

module "alb" {
  source            = "../../modules/alb"
  public_subnet_ids = var.public_subnet_ids
}
