# Broken: ...but the stack switches it off.
module "edge" {
  source = "../../modules/edge"

  create_web_acl = false
}
