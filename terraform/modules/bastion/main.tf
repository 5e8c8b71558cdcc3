# The bastion is reached through AWS Systems Manager Session Manager, never through SSH:
# - no inbound port at all: nothing to scan, brute-force or keep patched on the edge;
# - sessions are authorised by IAM (the event-staff role), not by shared SSH keys to rotate/revoke;
# - every session is recorded by CloudTrail (StartSession) and can be logged;
# - port forwarding (AWS-StartPortForwardingSessionToRemoteHost) still reaches Aurora and memcached.
# Because it needs no inbound path it does not need a public IP either.

data "aws_ssm_parameter" "ami" {
  name = var.ami_ssm_parameter
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-bastion-"
  description = "Bastion: no ingress (SSM Session Manager); egress to SSM over HTTPS and to the data tier"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-bastion" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to the SSM, EC2 messages and S3 endpoints (through NAT)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "mysql" {
  security_group_id = aws_security_group.this.id
  description       = "MySQL to Aurora inside the VPC"
  ip_protocol       = "tcp"
  from_port         = 3306
  to_port           = 3306
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_vpc_security_group_egress_rule" "memcached" {
  security_group_id = aws_security_group.this.id
  description       = "memcached inside the VPC"
  ip_protocol       = "tcp"
  from_port         = 11211
  to_port           = 11211
  cidr_ipv4         = var.vpc_cidr_block
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  permissions_boundary = var.permissions_boundary_arn
  name_prefix          = "${substr(var.name, 0, 24)}-bastion-"
  path                 = "/eventmall/"
  assume_role_policy   = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

# The AWS-managed minimum for the SSM agent (ssm/ssmmessages/ec2messages); no other permission.
resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_partition" "current" {}

resource "aws_iam_instance_profile" "this" {
  name_prefix = "${substr(var.name, 0, 24)}-bastion-"
  path        = "/eventmall/"
  role        = aws_iam_role.this.name

  tags = var.tags
}

resource "aws_instance" "this" {
  ami                         = data.aws_ssm_parameter.ami.value
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  vpc_security_group_ids      = [aws_security_group.this.id]
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = false
  monitoring                  = true
  ebs_optimized               = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    encrypted             = true
    volume_type           = "gp3"
    volume_size           = 8
    delete_on_termination = true
  }

  tags = merge(var.tags, { Name = "${var.name}-bastion", Role = "bastion" })

  lifecycle {
    ignore_changes = [ami]
  }
}
