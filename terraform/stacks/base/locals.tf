# Shared by every stack (kept identical): naming and tags.
locals {
  name = "${var.project}-${var.environment}"
  tags = {
    Project     = var.project
    Environment = var.environment
    Event       = var.event_name
    Stack       = "base"
    ManagedBy   = "terraform"
  }
}
