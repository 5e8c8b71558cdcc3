output "vpc_id" {
  description = "ID of the VPC."
  value       = module.network.vpc_id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = module.network.vpc_cidr_block
}

output "availability_zones" {
  description = "Availability zones in use, in subnet order."
  value       = module.network.availability_zones
}

output "public_subnet_ids" {
  description = "Public subnets (NAT gateways)."
  value       = module.network.public_subnet_ids
}

output "private_subnet_ids" {
  description = "Private subnets (tasks, cache, database, bastion)."
  value       = module.network.private_subnet_ids
}

output "bastion_security_group_id" {
  description = "Security group of the bastion, admitted by the data tier."
  value       = module.bastion.security_group_id
}

output "bastion_instance_id" {
  description = "Instance ID of the bastion (aws ssm start-session --target ...)."
  value       = module.bastion.instance_id
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways."
  value       = module.network.nat_public_ips
}
