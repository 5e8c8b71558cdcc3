variable "ids" {
  description = "IDs."
  type        = list(string)
}

output "private_subnet_ids" {
  description = "Subnets."
  value       = var.ids
}
