output "id" {
  description = "ID."
  value       = "x"
}
