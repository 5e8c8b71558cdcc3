variable "name" {
  description = "Name."
  type        = string
}
