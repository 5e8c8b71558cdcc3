module "service" {
  source     = "../../modules/service"
  subnet_ids = var.public_subnet_ids
}
