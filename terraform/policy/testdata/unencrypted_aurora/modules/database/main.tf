resource "aws_rds_cluster" "this" {
  engine            = "aurora-mysql"
  storage_encrypted = false
}
