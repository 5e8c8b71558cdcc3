package policy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Capacity is what the backend benchmark measured for one process (backend/bench/capacity.json,
// written by `npm run bench -- --record-capacity`; the benchmark owns the file, this reads it).
type Capacity struct {
	// CustomerMixRPS: closed-loop requests per second of the customer mix on one process.
	CustomerMixRPS float64 `json:"customerMixRpsPerProcess"`
	// RequestsPerCustomer: requests one customer makes in the mix (session, drop, product, order).
	RequestsPerCustomer float64 `json:"requestsPerCustomer"`
	MeasuredAt          string  `json:"measuredAt"`
}

// SizingHeadroom: a task is planned at half of its measured capacity. The other half absorbs a
// peak above the forecast, the loss of one availability zone's tasks while replacements start,
// and the difference between this benchmark machine and a Fargate task.
const SizingHeadroom = 0.5

// LoadCapacity reads the benchmark's capacity record.
func LoadCapacity(path string) (Capacity, error) {
	var c Capacity
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if c.CustomerMixRPS <= 0 || c.RequestsPerCustomer <= 0 {
		return c, fmt.Errorf("%s: customerMixRpsPerProcess and requestsPerCustomer must be positive", path)
	}
	return c, nil
}

// Environments reads terraform/environments: defaults.json overlaid by each <name>.json, as the
// pipeline does (.dagger/terraform.go). The result maps environment name to its settings;
// "defaults" stands for any environment without its own file.
func Environments(dir string) (map[string]map[string]any, error) {
	read := func(name string) (map[string]any, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return m, nil
	}
	defaults, err := read("defaults.json")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{"defaults": defaults}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if name == "defaults" {
			continue
		}
		over, err := read(filepath.Base(f))
		if err != nil {
			return nil, err
		}
		merged := map[string]any{}
		for k, v := range defaults {
			merged[k] = v
		}
		for k, v := range over {
			merged[k] = v
		}
		out[name] = merged
	}
	return out, nil
}

// CheckSizing: in every environment, the rush floor of tasks (rush_min_capacity, else the
// service stack's default) at SizingHeadroom of the measured per-process capacity serves the
// declared expected_peak_customers_per_second (customers arriving per second at the peak).
func CheckSizing(t *Tree, envs map[string]map[string]any, c Capacity) []string {
	var out []string
	rushDefault := 0.0
	if s := t.Stacks["service"]; s != nil {
		if v := s.Variables["rush_min_capacity"]; v != nil {
			if dv, diags := v.Body.Attributes["default"].Expr.Value(nil); v.Body.Attributes["default"] != nil && !diags.HasErrors() && dv.Type().FriendlyName() == "number" {
				rushDefault, _ = dv.AsBigFloat().Float64()
			}
		}
	}
	names := make([]string, 0, len(envs))
	for n := range envs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		env := envs[name]
		peak, ok := env["expected_peak_customers_per_second"].(float64)
		if !ok || peak <= 0 {
			out = append(out, fmt.Sprintf("environment %s: expected_peak_customers_per_second must be declared (customers arriving per second at the peak)", name))
			continue
		}
		tasks := rushDefault
		if v, ok := env["rush_min_capacity"].(float64); ok {
			tasks = v
		}
		serves := tasks * c.CustomerMixRPS * SizingHeadroom / c.RequestsPerCustomer
		if serves < peak {
			need := peak * c.RequestsPerCustomer / (c.CustomerMixRPS * SizingHeadroom)
			out = append(out, fmt.Sprintf("environment %s: rush_min_capacity %.0f tasks x %.0f req/s measured (%s) x %.0f%% headroom / %.0f requests per customer serves %.0f customers/s, below the expected peak of %.0f/s: raise rush_min_capacity to at least %.0f",
				name, tasks, c.CustomerMixRPS, c.MeasuredAt, SizingHeadroom*100, c.RequestsPerCustomer, serves, peak, ceil(need)))
		}
	}
	return out
}

func ceil(x float64) float64 {
	i := float64(int64(x))
	if i < x {
		return i + 1
	}
	return i
}
