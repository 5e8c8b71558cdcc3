variable "expected_peak_customers_per_second" {
  description = "Customers arriving per second at the busiest moment of the rush (terraform/environments: the event's forecast)."
  type        = number

  validation {
    condition     = var.expected_peak_customers_per_second > 0
    error_message = "expected_peak_customers_per_second must be a positive number of customers per second (the forecast peak of the rush)."
  }
}

variable "rush_min_capacity" {
  description = "Tasks the service holds through the rush (its scheduled floor)."
  type        = number

  validation {
    condition     = var.rush_min_capacity >= 1 && floor(var.rush_min_capacity) == var.rush_min_capacity
    error_message = "rush_min_capacity must be a whole number of tasks, at least 1."
  }
}

variable "measured_capacity" {
  description = "The benchmark's capacity record of one process, backend/bench/capacity.json as the pipeline reads it (npm run bench -- --record-capacity writes it): customerMixRpsPerProcess requests per second of the customer mix, requestsPerCustomer requests per customer, measuredAt."
  type = object({
    customerMixRpsPerProcess = number
    requestsPerCustomer      = number
    measuredAt               = string
  })

  validation {
    condition     = var.measured_capacity.customerMixRpsPerProcess > 0 && var.measured_capacity.requestsPerCustomer > 0
    error_message = "measured_capacity.customerMixRpsPerProcess and measured_capacity.requestsPerCustomer must be positive (re-record backend/bench/capacity.json with npm run bench -- --record-capacity)."
  }
}

variable "headroom" {
  description = "Share of the measured capacity a task is planned at: the rest absorbs a peak above the forecast, an availability zone's tasks lost while replacements start, and the gap between the benchmark machine and a Fargate task."
  type        = number
  default     = 0.5

  validation {
    condition     = var.headroom > 0 && var.headroom <= 1
    error_message = "headroom must be a fraction greater than 0 and at most 1."
  }
}

variable "waiting_room" {
  description = "auto: the waiting room is on exactly when the expected peak exceeds what the rush floor serves; on or off force it."
  type        = string
  default     = "auto"

  validation {
    condition     = contains(["auto", "on", "off"], var.waiting_room)
    error_message = "waiting_room must be auto, on or off."
  }
}

variable "waiting_room_inlet_per_second" {
  description = "Buyers the waiting room admits per second; null: what the rush floor serves (rush_min_capacity tasks at the headroom of the measured capacity)."
  type        = number
  default     = null

  validation {
    condition     = var.waiting_room_inlet_per_second == null || (try(var.waiting_room_inlet_per_second >= 1, false) && try(floor(var.waiting_room_inlet_per_second) == var.waiting_room_inlet_per_second, false))
    error_message = "waiting_room_inlet_per_second must be null or a whole number of buyers per second, at least 1."
  }
}
