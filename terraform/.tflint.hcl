# tflint with its bundled terraform ruleset only (the AWS ruleset cannot be downloaded here).
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
