package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Capacity is what the backend benchmark measured for one process (backend/bench/capacity.json,
// written by `npm run bench -- --record-capacity`; the benchmark owns the file, this reads it).
type Capacity struct {
	// CustomerMixRPS: closed-loop requests per second of the customer mix on one process.
	CustomerMixRPS float64 `json:"customerMixRpsPerProcess"`
	// RequestsPerCustomer: requests one customer makes in the mix (session, drop, product, order).
	RequestsPerCustomer float64 `json:"requestsPerCustomer"`
	MeasuredAt          string  `json:"measuredAt"`
	// Record is the file as it is: what the pipeline passes the service stack (measured_capacity).
	Record map[string]any `json:"-"`
}

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
	if err := json.Unmarshal(b, &c.Record); err != nil {
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

// RushSizing is what the rush module (terraform/modules/rush, the one owner of the sizing
// formula and of the waiting room's switch) says for one environment.
type RushSizing struct {
	Served       float64           `json:"served_customers_per_second"`
	TasksNeeded  float64           `json:"tasks_needed"`
	WaitingRoom  bool              `json:"waiting_room"`
	Inlet        float64           `json:"inlet_per_second"`
	InletTooHigh bool              `json:"inlet_too_high"`
	Environment  map[string]string `json:"environment"`
}

// RushEvaluator evaluates the rush module with the variables given (EvaluateRush with a binary).
type RushEvaluator func(vars map[string]any) (RushSizing, error)

// EvaluateRush applies a copy of the rush module (no resources, local state in a temporary
// folder) with real terraform and reads its outputs. A variable's validation failure is the error.
func EvaluateRush(ctx context.Context, terraformBinary, moduleDir string, vars map[string]any) (RushSizing, error) {
	var out RushSizing
	dir, err := os.MkdirTemp("", "eventmall-rush-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(dir)
	files, _ := filepath.Glob(filepath.Join(moduleDir, "*.tf"))
	if len(files) == 0 {
		return out, fmt.Errorf("%s: no Terraform files (the rush module)", moduleDir)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return out, err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			return out, err
		}
	}
	b, _ := json.Marshal(vars)
	if err := os.WriteFile(filepath.Join(dir, "terraform.tfvars.json"), b, 0o600); err != nil {
		return out, err
	}
	tf, err := tfexec.NewTerraform(dir, terraformBinary)
	if err != nil {
		return out, err
	}
	if err := tf.Init(ctx); err != nil {
		return out, fmt.Errorf("terraform init of the rush module: %w", err)
	}
	if err := tf.Apply(ctx); err != nil {
		return out, fmt.Errorf("%s", terraformDiagnostic(err.Error()))
	}
	outputs, err := tf.Output(ctx)
	if err != nil {
		return out, err
	}
	values := map[string]json.RawMessage{}
	for k, o := range outputs {
		values[k] = o.Value
	}
	joined, _ := json.Marshal(values)
	if err := json.Unmarshal(joined, &out); err != nil {
		return out, fmt.Errorf("outputs of the rush module: %w", err)
	}
	return out, nil
}

// CheckSizing: in every environment, the rush module given the environment's settings (its
// expected_peak_customers_per_second, rush_min_capacity, else the service stack's default,
// waiting_room and waiting_room_inlet_per_second when set) and the measured capacity either has
// the rush floor serve the expected peak, or has the waiting room on at an inlet the floor
// serves. An environment without a declared peak, or with settings the module refuses, is named.
func CheckSizing(t *Tree, envs map[string]map[string]any, c Capacity, eval RushEvaluator) []string {
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
		vars := map[string]any{"expected_peak_customers_per_second": peak, "rush_min_capacity": tasks, "measured_capacity": c.Record}
		for _, k := range []string{"waiting_room", "waiting_room_inlet_per_second"} {
			if v, ok := env[k]; ok {
				vars[k] = v
			}
		}
		r, err := eval(vars)
		if err != nil {
			out = append(out, fmt.Sprintf("environment %s: the rush sizing refuses its settings: %s", name, strings.TrimSpace(err.Error())))
			continue
		}
		switch {
		case !r.WaitingRoom && r.Served < peak:
			out = append(out, fmt.Sprintf("environment %s: rush_min_capacity %.0f tasks x %.0f req/s measured (%s) x headroom / %.0f requests per customer serves %.0f customers/s, below the expected peak of %.0f/s, and the waiting room is off: raise rush_min_capacity to at least %.0f, or let the waiting room switch on (waiting_room = auto)",
				name, tasks, c.CustomerMixRPS, c.MeasuredAt, c.RequestsPerCustomer, r.Served, peak, r.TasksNeeded))
		case r.WaitingRoom && r.InletTooHigh:
			out = append(out, fmt.Sprintf("environment %s: the waiting room admits %.0f buyers/s, more than the %.0f customers/s rush_min_capacity %.0f tasks serve: lower waiting_room_inlet_per_second or raise rush_min_capacity",
				name, r.Inlet, r.Served, tasks))
		}
	}
	return out
}

// terraformDiagnostic shortens terraform's error output to one line: the error's summary, the
// value it is about and its message ("Invalid value for variable: var.waiting_room is "maybe":
// waiting_room must be auto, on or off.").
func terraformDiagnostic(text string) string {
	var summary, about string
	var message []string
	inMessage := false
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(l, "Error: ") && summary == "":
			summary = strings.TrimPrefix(l, "Error: ")
		case strings.HasPrefix(l, "│ ") && about == "":
			about = strings.TrimSpace(strings.TrimPrefix(l, "│ "))
			inMessage = true
		case strings.HasPrefix(l, "This was checked"):
			inMessage = false
		case inMessage && l != "" && !strings.HasPrefix(l, "│"):
			message = append(message, l)
		}
	}
	if summary == "" {
		return strings.Join(strings.Fields(text), " ")
	}
	parts := []string{summary}
	if about != "" {
		parts = append(parts, about)
	}
	if len(message) > 0 {
		parts = append(parts, strings.Join(message, " "))
	}
	return strings.Join(parts, ": ")
}
