variable "private_subnet_ids" {
  description = "Subnets, wrongly a string."
  type        = string
}
