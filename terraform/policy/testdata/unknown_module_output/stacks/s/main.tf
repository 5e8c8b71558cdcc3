module "thing" {
  source = "../../modules/thing"
}

output "thing_arn" {
  description = "ARN."
  value       = module.thing.arn
}
