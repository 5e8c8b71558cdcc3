package rehearse

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/eventmall/eventmall/terraform/policy"
)

// The contract (terraform/stacks/contract.json): per stack, every input with its declared type
// and where its value comes from (the stack graph's wire, the pipeline, or its default), and
// every output with the type terraform itself reports (`terraform output -json`), never inferred.

// ContractInput is one variable of a stack.
type ContractInput struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
	From     string `json:"from"` // STACK.OUTPUT or step.NAME.VALUE (the graph), pipeline, or default
}

// ContractStack is a stack's interface as the pipeline sees it.
type ContractStack struct {
	Name    string            `json:"name"`
	Dir     string            `json:"dir"`
	Inputs  []ContractInput   `json:"inputs"`
	Outputs map[string]string `json:"outputs"` // name -> type, from terraform output -json
}

// ContractCommand regenerates the contract.
const ContractCommand = "go run ./terraform/rehearse/cmd/rehearse-stacks -aws 6.47.0 -contract terraform/stacks/contract.json"

// Contract renders the contract from the graph, the stacks' declared variables and the
// outputs of a real apply.
func Contract(root string, g *Graph, outputs map[string]map[string]Output, version string) ([]byte, error) {
	tree, err := policy.LoadTree(root + "/terraform")
	if err != nil {
		return nil, err
	}
	var stacks []ContractStack
	for _, s := range g.Stacks {
		m, ok := tree.Stacks[s.Name]
		if !ok {
			return nil, fmt.Errorf("contract: no stack folder terraform/stacks/%s", s.Name)
		}
		cs := ContractStack{Name: s.Name, Dir: "terraform/stacks/" + s.Name, Outputs: map[string]string{}}
		for _, v := range sortedKeys(m.Variables) {
			b := m.Variables[v]
			in := ContractInput{Name: v, Type: policy.DeclaredType(b), Required: !b.Has("default"), From: "default"}
			if policy.PipelineInputs[v] != "" {
				in.From = "pipeline"
			}
			if ref, ok := s.Inputs[v]; ok {
				in.From = ref
			}
			cs.Inputs = append(cs.Inputs, in)
		}
		outs, ok := outputs[s.Name]
		if !ok {
			return nil, fmt.Errorf("contract: stack %s was not applied", s.Name)
		}
		for _, o := range sortedKeys(outs) {
			t, err := TypeString(outs[o].Type)
			if err != nil {
				return nil, fmt.Errorf("contract: output %s of stack %s: %w", o, s.Name, err)
			}
			cs.Outputs[o] = t
		}
		stacks = append(stacks, cs)
	}
	b, err := json.MarshalIndent(map[string]any{
		"note": "Generated from .dagger/stackio/graph.json (from), the stacks' declared variable types and `terraform output -json` of an apply through the offline provider (schema of hashicorp/aws " +
			version + ") (output types): " + ContractCommand + ". Pass string values verbatim, others as JSON.",
		"stacks": stacks,
	}, "", "  ")
	return append(b, '\n'), err
}

// TypeString renders terraform's JSON type syntax ("string", ["list","string"], ["object",{...}])
// as type constraint text: list(string), object({a=string}).
func TypeString(raw json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	return typeText(v)
}

func typeText(v any) (string, error) {
	switch t := v.(type) {
	case string:
		if t == "dynamic" {
			return "any", nil
		}
		return t, nil
	case []any:
		if len(t) != 2 {
			return "", fmt.Errorf("type %v", t)
		}
		kind, _ := t[0].(string)
		switch kind {
		case "list", "set", "map":
			e, err := typeText(t[1])
			return kind + "(" + e + ")", err
		case "tuple":
			elems, _ := t[1].([]any)
			var parts []string
			for _, e := range elems {
				s, err := typeText(e)
				if err != nil {
					return "", err
				}
				parts = append(parts, s)
			}
			return "tuple([" + strings.Join(parts, ",") + "])", nil
		case "object":
			attrs, _ := t[1].(map[string]any)
			names := make([]string, 0, len(attrs))
			for n := range attrs {
				names = append(names, n)
			}
			sort.Strings(names)
			var parts []string
			for _, n := range names {
				s, err := typeText(attrs[n])
				if err != nil {
					return "", err
				}
				parts = append(parts, n+"="+s)
			}
			return "object({" + strings.Join(parts, ",") + "})", nil
		}
	}
	return "", fmt.Errorf("unreadable type %v", v)
}
