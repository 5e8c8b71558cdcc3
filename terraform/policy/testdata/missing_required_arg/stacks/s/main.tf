module "thing" {
  source = "../../modules/thing"
}
