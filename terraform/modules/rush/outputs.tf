output "served_customers_per_second" {
  description = "Customers per second the rush floor serves: rush_min_capacity x measured requests/s x headroom / requests per customer."
  value       = local.served
}

output "tasks_needed" {
  description = "The rush floor that would serve the expected peak without a waiting room."
  value       = local.tasks_needed
}

output "waiting_room" {
  description = "Whether the waiting room is on (forced, or auto and the expected peak exceeds what the floor serves)."
  value       = local.waiting_room
}

output "inlet_per_second" {
  description = "Buyers the waiting room admits per second (when on)."
  value       = local.inlet_per_sec
}

output "inlet_too_high" {
  description = "The waiting room is on and admits more buyers per second than the floor serves."
  value       = local.inlet_too_high
}

output "environment" {
  description = "The API container's waiting-room settings (backend/src/config.js): WAITING_ROOM on or off and, when on, WAITING_ROOM_INLET_PER_SEC."
  value = {
    for k, v in {
      WAITING_ROOM               = local.waiting_room ? "on" : "off"
      WAITING_ROOM_INLET_PER_SEC = tostring(local.inlet_per_sec)
    } : k => v if local.waiting_room || k == "WAITING_ROOM"
  }
}
