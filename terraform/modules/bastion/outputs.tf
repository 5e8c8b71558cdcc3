output "security_group_id" {
  description = "ID of the bastion's security group: the data tier admits it by reference."
  value       = aws_security_group.this.id
}

output "instance_id" {
  description = "ID of the bastion instance (target of `aws ssm start-session`)."
  value       = aws_instance.this.id
}

output "role_name" {
  description = "Name of the bastion's IAM role."
  value       = aws_iam_role.this.name
}
