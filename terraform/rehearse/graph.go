// Package rehearse runs the real Terraform stacks and modules through the offline AWS provider
// (terraform/offline-provider): validate, plan, apply and a second plan, stack after stack, each
// stack's outputs fed to the next as the stack graph (.dagger/stackio/graph.json) declares.
// It reads the graph as data; it does not restate it.
package rehearse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// GraphFile is the stack graph's one declaration, relative to the repository.
const GraphFile = ".dagger/stackio/graph.json"

// Graph is the stacks of a deploy in order, and the pipeline steps that read their outputs.
type Graph struct {
	Note   string  `json:"note"`
	Stacks []Stack `json:"stacks"`
	Steps  []Step  `json:"steps"`
}

// Stack is one Terraform root under terraform/stacks and where each of its upstream inputs
// comes from ("STACK.OUTPUT" or "step.NAME.VALUE").
type Stack struct {
	Name   string            `json:"name"`
	About  string            `json:"about"`
	Inputs map[string]string `json:"inputs"`
}

// Step is a pipeline step outside Terraform that reads stack outputs (and may produce values).
type Step struct {
	Name     string            `json:"name"`
	About    string            `json:"about"`
	Inputs   map[string]string `json:"inputs"`
	Produces []string          `json:"produces"`
	After    []string          `json:"after"`
}

// Ref is one end of a wire: a stack's output, or a value a step produces.
type Ref struct {
	Stack, Output string // Stack == "" for a step value
	Step, Value   string
}

func (r Ref) String() string {
	if r.Stack != "" {
		return r.Stack + "." + r.Output
	}
	return "step." + r.Step + "." + r.Value
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

// LoadGraph reads and checks the graph of the repository at root.
func LoadGraph(root string) (*Graph, error) {
	b, err := os.ReadFile(filepath.Join(root, GraphFile))
	if err != nil {
		return nil, err
	}
	return ParseGraph(b)
}

// ParseGraph decodes a graph and checks that every reference names a stack declared before
// the reader (or a step that produces the value), so the list order is a valid apply order.
func ParseGraph(b []byte) (*Graph, error) {
	var g Graph
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%s: %w", GraphFile, err)
	}
	seen := map[string]bool{}
	produced := map[string]bool{}
	for _, st := range g.Steps {
		for _, v := range st.Produces {
			produced[st.Name+"."+v] = true
		}
	}
	for _, s := range g.Stacks {
		if s.Name == "" || seen[s.Name] {
			return nil, fmt.Errorf("%s: stack name %q empty or repeated", GraphFile, s.Name)
		}
		for _, in := range sortedKeys(s.Inputs) {
			r, err := ParseRef(s.Inputs[in])
			if err != nil {
				return nil, fmt.Errorf("%s: stack %s input %s: %w", GraphFile, s.Name, in, err)
			}
			if r.Stack != "" && !seen[r.Stack] {
				return nil, fmt.Errorf("%s: stack %s input %s reads %s, which is not declared before %s", GraphFile, s.Name, in, r, s.Name)
			}
			if r.Stack == "" && !produced[r.Step+"."+r.Value] {
				return nil, fmt.Errorf("%s: stack %s input %s reads %s, which no step produces", GraphFile, s.Name, in, r)
			}
		}
		seen[s.Name] = true
	}
	for _, st := range g.Steps {
		for _, in := range sortedKeys(st.Inputs) {
			r, err := ParseRef(st.Inputs[in])
			if err != nil || (r.Stack == "" && !produced[r.Step+"."+r.Value]) || (r.Stack != "" && !seen[r.Stack]) {
				return nil, fmt.Errorf("%s: step %s input %s: %q must name a declared STACK.OUTPUT or a produced step.NAME.VALUE", GraphFile, st.Name, in, st.Inputs[in])
			}
		}
	}
	return &g, nil
}

// Names lists the stacks in order.
func (g *Graph) Names() []string {
	var out []string
	for _, s := range g.Stacks {
		out = append(out, s.Name)
	}
	return out
}

// Upstream lists the stacks s reads outputs from, in graph order.
func (g *Graph) Upstream(s Stack) []string {
	need := map[string]bool{}
	for _, v := range s.Inputs {
		if r, err := ParseRef(v); err == nil && r.Stack != "" {
			need[r.Stack] = true
		}
	}
	var out []string
	for _, n := range g.Names() {
		if need[n] {
			out = append(out, n)
		}
	}
	return out
}

// Required lists, per stack, the outputs something reads (another stack or a step).
func (g *Graph) Required() map[string][]string {
	set := map[string]map[string]bool{}
	add := func(ref string) {
		if r, err := ParseRef(ref); err == nil && r.Stack != "" {
			if set[r.Stack] == nil {
				set[r.Stack] = map[string]bool{}
			}
			set[r.Stack][r.Output] = true
		}
	}
	for _, s := range g.Stacks {
		for _, v := range s.Inputs {
			add(v)
		}
	}
	for _, st := range g.Steps {
		for _, v := range st.Inputs {
			add(v)
		}
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
