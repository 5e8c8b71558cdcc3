variable "subnet_ids" {
  description = "Subnets, but no type."
}
