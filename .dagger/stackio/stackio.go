// Package stackio owns the stack graph of a deploy (graph.json, embedded):
// the Terraform stacks, their order, which output feeds which input, and the
// pipeline steps that read stack outputs. Deploy and plan walk it; the
// Terraform policy tests, the generated contract and the docs read the same
// file. Values travel as terraform's own `output -json` values, untyped here:
// terraform checks them against the receiving stack's variable types.
package stackio

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

//go:embed graph.json
var graphJSON []byte

// Graph is the stacks of a deploy in apply order, and the steps reading their outputs.
type Graph struct {
	Note   string  `json:"note"`
	Stacks []Stack `json:"stacks"`
	Steps  []Step  `json:"steps"`
}

// Stack is one Terraform root under terraform/stacks; Inputs maps each of
// its variables fed from upstream to "STACK.OUTPUT" or "step.NAME.VALUE".
type Stack struct {
	Name   string            `json:"name"`
	About  string            `json:"about"`
	Inputs map[string]string `json:"inputs"`
}

// Step is a pipeline step outside Terraform: what it reads, what it
// produces, what must be done before it.
type Step struct {
	Name     string            `json:"name"`
	About    string            `json:"about"`
	Inputs   map[string]string `json:"inputs"`
	Produces []string          `json:"produces,omitempty"`
	After    []string          `json:"after,omitempty"`
}

// Ref is one end of a wire.
type Ref struct {
	Stack, Output string // a stack's output
	Step, Value   string // or a value a step produces
}

func (r Ref) String() string {
	if r.Stack != "" {
		return r.Stack + "." + r.Output
	}
	return "step." + r.Step + "." + r.Value
}

// Node is what produces r: the stack's or the step's name.
func (r Ref) Node() string {
	if r.Stack != "" {
		return r.Stack
	}
	return r.Step
}

// ParseRef reads "STACK.OUTPUT" or "step.NAME.VALUE".
func ParseRef(s string) (Ref, error) {
	parts := strings.Split(s, ".")
	switch {
	case len(parts) == 3 && parts[0] == "step" && parts[1] != "" && parts[2] != "":
		return Ref{Step: parts[1], Value: parts[2]}, nil
	case len(parts) == 2 && parts[0] != "step" && parts[0] != "" && parts[1] != "":
		return Ref{Stack: parts[0], Output: parts[1]}, nil
	}
	return Ref{}, fmt.Errorf("%q is neither STACK.OUTPUT nor step.NAME.VALUE", s)
}

// Load returns the embedded graph, checked.
func Load() (*Graph, error) { return Parse(graphJSON) }

// Parse decodes and checks a graph: every reference names a stack listed
// before its reader or a value a step produces; steps and stacks are unique;
// the whole is acyclic.
func Parse(b []byte) (*Graph, error) {
	var g Graph
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("stack graph: %w", err)
	}
	names := map[string]string{}
	produced := map[string]bool{}
	for _, st := range g.Steps {
		if st.Name == "" || names[st.Name] != "" {
			return nil, fmt.Errorf("stack graph: step name %q empty or repeated", st.Name)
		}
		names[st.Name] = "step"
		for _, v := range st.Produces {
			produced[st.Name+"."+v] = true
		}
	}
	seen := map[string]bool{}
	for _, s := range g.Stacks {
		if s.Name == "" || names[s.Name] != "" {
			return nil, fmt.Errorf("stack graph: stack name %q empty or repeated", s.Name)
		}
		names[s.Name] = "stack"
		for _, in := range sortedKeys(s.Inputs) {
			r, err := ParseRef(s.Inputs[in])
			if err != nil {
				return nil, fmt.Errorf("stack graph: stack %s input %s: %w", s.Name, in, err)
			}
			if r.Stack != "" && !seen[r.Stack] {
				return nil, fmt.Errorf("stack graph: stack %s input %s reads %s, which is not listed before %s", s.Name, in, r, s.Name)
			}
			if r.Stack == "" && !produced[r.Step+"."+r.Value] {
				return nil, fmt.Errorf("stack graph: stack %s input %s reads %s, which no step produces", s.Name, in, r)
			}
		}
		seen[s.Name] = true
	}
	for _, st := range g.Steps {
		for _, in := range sortedKeys(st.Inputs) {
			r, err := ParseRef(st.Inputs[in])
			if err != nil || (r.Stack == "" && !produced[r.Step+"."+r.Value]) || (r.Stack != "" && !seen[r.Stack]) {
				return nil, fmt.Errorf("stack graph: step %s input %s: %q must name a listed STACK.OUTPUT or a produced step.NAME.VALUE", st.Name, in, st.Inputs[in])
			}
		}
		for _, a := range st.After {
			if names[a] == "" {
				return nil, fmt.Errorf("stack graph: step %s runs after %q, which is neither a stack nor a step", st.Name, a)
			}
		}
	}
	if _, err := g.order(); err != nil {
		return nil, err
	}
	return &g, nil
}

// Names lists the stacks in apply order.
func (g *Graph) Names() []string {
	var out []string
	for _, s := range g.Stacks {
		out = append(out, s.Name)
	}
	return out
}

// Stack returns the named stack.
func (g *Graph) Stack(name string) (Stack, bool) {
	for _, s := range g.Stacks {
		if s.Name == name {
			return s, true
		}
	}
	return Stack{}, false
}

// Needs lists what node (a stack or a step) waits for: the stacks and steps
// it reads from, and its after list, sorted.
func (g *Graph) Needs(node string) []string {
	set := map[string]bool{}
	add := func(inputs map[string]string) {
		for _, v := range inputs {
			if r, err := ParseRef(v); err == nil {
				set[r.Node()] = true
			}
		}
	}
	if s, ok := g.Stack(node); ok {
		add(s.Inputs)
	}
	for _, st := range g.Steps {
		if st.Name == node {
			add(st.Inputs)
			for _, a := range st.After {
				set[a] = true
			}
		}
	}
	return sortedKeys(set)
}

// Nodes lists every stack and step in an order where each comes after what it needs.
func (g *Graph) Nodes() []string {
	order, _ := g.order()
	return order
}

func (g *Graph) order() ([]string, error) {
	var all []string
	for _, s := range g.Stacks {
		all = append(all, s.Name)
	}
	for _, st := range g.Steps {
		all = append(all, st.Name)
	}
	state := map[string]int{} // 1 visiting, 2 done
	var out []string
	var visit func(n string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("stack graph: cycle through %s", n)
		case 2:
			return nil
		}
		state[n] = 1
		for _, d := range g.Needs(n) {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[n] = 2
		out = append(out, n)
		return nil
	}
	for _, n := range all {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IsStack reports whether node is a stack (else a step).
func (g *Graph) IsStack(node string) bool { _, ok := g.Stack(node); return ok }

// Outputs are a stack's outputs: `terraform output -json` values by name.
type Outputs map[string]json.RawMessage

// output is one entry of `terraform output -json`.
type output struct {
	Value     json.RawMessage `json:"value"`
	Sensitive bool            `json:"sensitive"`
}

// DecodeOutputs reads `terraform output -json` of stack.
func DecodeOutputs(stack string, outputJSON []byte) (Outputs, error) {
	var outs map[string]output
	if err := json.Unmarshal(outputJSON, &outs); err != nil {
		return nil, fmt.Errorf("stack %s: reading `terraform output -json`: %w", stack, err)
	}
	o := Outputs{}
	for k, v := range outs {
		o[k] = v.Value
	}
	return o, nil
}

// Values are what is known so far: each applied stack's outputs and each
// finished step's products ("step.NAME.VALUE" keys in Steps).
type Values struct {
	Stacks map[string]Outputs
	Steps  map[string]json.RawMessage
}

// NewValues is an empty set of values.
func NewValues() *Values {
	return &Values{Stacks: map[string]Outputs{}, Steps: map[string]json.RawMessage{}}
}

func (v *Values) get(ref string) (json.RawMessage, error) {
	r, err := ParseRef(ref)
	if err != nil {
		return nil, err
	}
	if r.Stack != "" {
		outs, ok := v.Stacks[r.Stack]
		if !ok {
			return nil, fmt.Errorf("stack %s has not been applied", r.Stack)
		}
		val, ok := outs[r.Output]
		if !ok {
			return nil, fmt.Errorf("stack %s has no output %s", r.Stack, r.Output)
		}
		return val, nil
	}
	val, ok := v.Steps[r.String()]
	if !ok {
		return nil, fmt.Errorf("step %s has not produced %s", r.Step, r.Value)
	}
	return val, nil
}

// StackInputs are the variables stack receives from upstream, by the graph.
// A missing value fails, naming the stack, the input and what is missing.
func (g *Graph) StackInputs(stack string, v *Values) (map[string]any, error) {
	s, ok := g.Stack(stack)
	if !ok {
		return nil, fmt.Errorf("stack graph has no stack %s", stack)
	}
	out := map[string]any{}
	var errs []string
	for _, in := range sortedKeys(s.Inputs) {
		val, err := v.get(s.Inputs[in])
		if err != nil {
			errs = append(errs, fmt.Sprintf("input %s (%s): %v", in, s.Inputs[in], err))
			continue
		}
		out[in] = val
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("stack %s: %s", stack, strings.Join(errs, "; "))
	}
	return out, nil
}

// StepInputs are the stack outputs step reads, as strings (what steps take).
func (g *Graph) StepInputs(step string, v *Values) (map[string]string, error) {
	for _, st := range g.Steps {
		if st.Name != step {
			continue
		}
		out := map[string]string{}
		for _, in := range sortedKeys(st.Inputs) {
			raw, err := v.get(st.Inputs[in])
			if err != nil {
				return nil, fmt.Errorf("step %s input %s (%s): %v", step, in, st.Inputs[in], err)
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, fmt.Errorf("step %s input %s (%s): want a string, got %s", step, in, st.Inputs[in], raw)
			}
			out[in] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("stack graph has no step %s", step)
}

// Required lists, per stack, the outputs something reads (another stack or
// a step): the outputs a stack must keep producing.
func (g *Graph) Required() map[string][]string {
	set := map[string]map[string]bool{}
	add := func(inputs map[string]string) {
		for _, ref := range inputs {
			if r, err := ParseRef(ref); err == nil && r.Stack != "" {
				if set[r.Stack] == nil {
					set[r.Stack] = map[string]bool{}
				}
				set[r.Stack][r.Output] = true
			}
		}
	}
	for _, s := range g.Stacks {
		add(s.Inputs)
	}
	for _, st := range g.Steps {
		add(st.Inputs)
	}
	out := map[string][]string{}
	for s, outs := range set {
		out[s] = sortedKeys(outs)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
