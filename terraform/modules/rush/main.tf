# The rush's sizing, evaluated from the measurement: how many customers per second the floor of
# tasks serves, and so whether the waiting room must stand in front of the orders and at what rate
# it admits. No resources: the service stack reads the outputs (the container's WAITING_ROOM and
# WAITING_ROOM_INLET_PER_SEC), and the policy test (terraform/policy, sizing) evaluates this module
# with each environment's settings. The formula lives here only.
locals {
  capacity = var.measured_capacity
  # customers per second the floor serves: tasks x measured requests/s x headroom / requests each
  served = var.rush_min_capacity * local.capacity.customerMixRpsPerProcess * var.headroom / local.capacity.requestsPerCustomer
  # the floor that would serve the whole peak without a waiting room
  tasks_needed   = ceil(var.expected_peak_customers_per_second * local.capacity.requestsPerCustomer / (local.capacity.customerMixRpsPerProcess * var.headroom))
  peak_above     = var.expected_peak_customers_per_second > local.served
  waiting_room   = var.waiting_room == "on" || (var.waiting_room == "auto" && local.peak_above)
  inlet_per_sec  = var.waiting_room_inlet_per_second != null ? var.waiting_room_inlet_per_second : max(1, floor(local.served))
  inlet_too_high = local.waiting_room && local.inlet_per_sec > local.served
}

check "rush_floor_serves_what_reaches_it" {
  assert {
    condition     = !(local.peak_above && !local.waiting_room)
    error_message = "The rush floor serves ${floor(local.served)} customers/s, below the expected peak of ${var.expected_peak_customers_per_second}/s, and the waiting room is off: raise rush_min_capacity to at least ${local.tasks_needed} or let the waiting room switch on (waiting_room = auto)."
  }

  assert {
    condition     = !local.inlet_too_high
    error_message = "The waiting room admits ${local.inlet_per_sec} buyers/s, more than the ${floor(local.served)} customers/s the rush floor serves: lower waiting_room_inlet_per_second or raise rush_min_capacity."
  }
}
