variable "queue_url" {
  description = "Nobody upstream outputs this."
  type        = string
}
