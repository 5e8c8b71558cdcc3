module "thing" {
  source = "../../modules/thing"
  name   = "a"
  colour = "blue"
}
