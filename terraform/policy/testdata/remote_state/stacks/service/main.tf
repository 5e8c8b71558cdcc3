data "terraform_remote_state" "network" {
  backend = "s3"
  config  = {}
}
