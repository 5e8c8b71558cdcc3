package policy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// The stack graph is declared once, in .dagger/stackio/graph.json (owned by the module's stackio
// package, which validates it); the policy checks read it as data.

// Graph is the stack graph: stacks in apply order, each input wired to "STACK.OUTPUT" or
// "step.NAME.VALUE", and the pipeline steps reading stack outputs.
type Graph struct {
	Stacks []GraphNode `json:"stacks"`
	Steps  []GraphNode `json:"steps"`
}

// GraphNode is a stack or a step of the graph.
type GraphNode struct {
	Name     string            `json:"name"`
	About    string            `json:"about"`
	Inputs   map[string]string `json:"inputs"`
	Produces []string          `json:"produces"`
	After    []string          `json:"after"`
}

const graphRel = ".dagger/stackio/graph.json"

// GraphPath is the graph's file: found from this package's source folder, else from the
// working directory upwards.
func GraphPath() string {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		p := filepath.Join(filepath.Dir(file), "..", "..", graphRel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, graphRel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return graphRel
		}
		dir = parent
	}
}

// LoadGraph reads the stack graph.
func LoadGraph() (*Graph, error) {
	b, err := os.ReadFile(GraphPath())
	if err != nil {
		return nil, err
	}
	var g Graph
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("%s: %w", GraphPath(), err)
	}
	return &g, nil
}

// StackOrder is the pipeline order of the deployable stacks, from the graph.
var StackOrder = func() []string {
	g, err := LoadGraph()
	if err != nil {
		return nil // CheckGraph reports the error
	}
	var out []string
	for _, s := range g.Stacks {
		out = append(out, s.Name)
	}
	return out
}()

// Wire is one input of a stack or step: where its value comes from.
type Wire struct {
	Input        string
	Stack, Value string // Stack "" for a step's value (then Value is "step.NAME.VALUE")
}

func (n GraphNode) wires() []Wire {
	var out []Wire
	for _, in := range sortedKeys(n.Inputs) {
		ref := n.Inputs[in]
		parts := strings.Split(ref, ".")
		if len(parts) == 2 {
			out = append(out, Wire{Input: in, Stack: parts[0], Value: parts[1]})
		} else {
			out = append(out, Wire{Input: in, Value: ref})
		}
	}
	return out
}

// Node returns the stack named name.
func (g *Graph) Node(name string) (GraphNode, bool) {
	for _, s := range g.Stacks {
		if s.Name == name {
			return s, true
		}
	}
	return GraphNode{}, false
}

// CheckGraph: every input the graph wires into a stack is a variable the stack declares, and
// every STACK.OUTPUT it reads (for a stack or a step) is an output that stack declares.
func CheckGraph(t *Tree) []string {
	g, err := LoadGraph()
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	check := func(kind string, n GraphNode) {
		for _, w := range n.wires() {
			if kind == "stack" {
				if s, ok := t.Stacks[n.Name]; !ok {
					out = append(out, fmt.Sprintf("stack graph: stack %q has no folder terraform/stacks/%s", n.Name, n.Name))
					return
				} else if _, ok := s.Variables[w.Input]; !ok {
					out = append(out, fmt.Sprintf("stack graph: stack %q has no variable %q (wired from %s)", n.Name, w.Input, n.Inputs[w.Input]))
				}
			}
			if w.Stack == "" {
				continue
			}
			up, ok := t.Stacks[w.Stack]
			if !ok {
				out = append(out, fmt.Sprintf("stack graph: %s %q reads %s.%s, but there is no stack %q", kind, n.Name, w.Stack, w.Value, w.Stack))
				continue
			}
			if _, ok := up.Outputs[w.Value]; !ok {
				out = append(out, fmt.Sprintf("stack graph: %s %q reads output %q of stack %q, which it does not declare", kind, n.Name, w.Value, w.Stack))
			}
		}
	}
	for _, s := range g.Stacks {
		check("stack", s)
	}
	for _, s := range g.Steps {
		check("step", s)
	}
	return out
}

func nodeID(name string) string { return strings.ReplaceAll(name, "-", "_") }

// GraphDiagram renders the stack graph as the Mermaid flowchart of docs/architecture.md: each
// stack with the modules it calls, each step, and an arrow per upstream labelled with the
// outputs that flow along it.
func GraphDiagram(t *Tree, g *Graph) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, s := range g.Stacks {
		var mods []string
		if m, ok := t.Stacks[s.Name]; ok {
			for _, c := range sortedKeys(m.Calls) {
				src := strings.Trim(m.Calls[c].Raw("source"), `"`)
				mods = append(mods, filepath.Base(src))
			}
		}
		label := "module " + strings.Join(mods, ", ")
		if len(mods) > 1 {
			label = "modules " + strings.Join(mods, ", ")
		}
		fmt.Fprintf(&b, "  %s[\"stacks/%s<br/>%s\"]\n", s.Name, s.Name, label)
	}
	for _, st := range g.Steps {
		fmt.Fprintf(&b, "  %s([%s])\n", nodeID(st.Name), st.Name)
	}
	b.WriteString("\n")
	edges := func(to string, n GraphNode) {
		from := map[string][]string{}
		var order []string
		for _, w := range n.wires() {
			src := w.Stack
			if src == "" {
				src = nodeID(strings.Split(w.Value, ".")[1])
				w.Value = strings.Split(w.Value, ".")[2]
			}
			if _, ok := from[src]; !ok {
				order = append(order, src)
			}
			from[src] = append(from[src], w.Value)
		}
		sort.SliceStable(order, func(i, j int) bool { return rankOf(g, order[i]) < rankOf(g, order[j]) })
		for _, src := range order {
			fmt.Fprintf(&b, "  %s -->|%s| %s\n", src, strings.Join(from[src], ", "), to)
		}
		for _, a := range n.After {
			fmt.Fprintf(&b, "  %s --> %s\n", nodeID(a), to)
		}
	}
	for _, s := range g.Stacks {
		edges(s.Name, s)
	}
	for _, st := range g.Steps {
		edges(nodeID(st.Name), st)
	}
	return b.String()
}

func rankOf(g *Graph, id string) int {
	for i, s := range g.Stacks {
		if s.Name == id {
			return i
		}
	}
	for i, s := range g.Steps {
		if nodeID(s.Name) == id {
			return len(g.Stacks) + i
		}
	}
	return 1 << 20
}
