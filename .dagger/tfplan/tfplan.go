// Package tfplan turns the JSON form of a saved Terraform plan
// (`terraform show -json PLAN`) into the short summary people read in a
// terminal, a pull request and Slack: "+3 ~1 -0".
package tfplan

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Change is one resource the plan touches.
type Change struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Action  string `json:"action"` // create, update, delete, replace
}

// Summary counts a plan's changes the way `terraform plan` does: a
// replacement counts once as an add and once as a destroy.
type Summary struct {
	Add            int      `json:"add"`
	Change         int      `json:"change"`
	Destroy        int      `json:"destroy"`
	Changes        []Change `json:"changes"`
	OutputsChanged []string `json:"outputsChanged"`
}

// Parse reads `terraform show -json` output of a saved plan.
func Parse(planJSON []byte) (Summary, error) {
	var plan tfjson.Plan
	if err := json.Unmarshal(planJSON, &plan); err != nil {
		return Summary{}, fmt.Errorf("reading plan JSON: %w", err)
	}
	var s Summary
	for _, rc := range plan.ResourceChanges {
		if rc == nil || rc.Change == nil {
			continue
		}
		a := rc.Change.Actions
		var action string
		switch {
		case a.Replace():
			s.Add++
			s.Destroy++
			action = "replace"
		case a.Create():
			s.Add++
			action = "create"
		case a.Update():
			s.Change++
			action = "update"
		case a.Delete():
			s.Destroy++
			action = "delete"
		default: // no-op, read
			continue
		}
		s.Changes = append(s.Changes, Change{Address: rc.Address, Type: rc.Type, Action: action})
	}
	for name, oc := range plan.OutputChanges {
		if oc != nil && !oc.Actions.NoOp() {
			s.OutputsChanged = append(s.OutputsChanged, name)
		}
	}
	sort.Slice(s.Changes, func(i, j int) bool { return s.Changes[i].Address < s.Changes[j].Address })
	sort.Strings(s.OutputsChanged)
	return s, nil
}

// HasChanges reports whether applying the plan would change anything.
func (s Summary) HasChanges() bool { return s.Add+s.Change+s.Destroy > 0 || len(s.OutputsChanged) > 0 }

// Short is the one-line form: "+3 ~1 -0".
func (s Summary) Short() string { return fmt.Sprintf("+%d ~%d -%d", s.Add, s.Change, s.Destroy) }

var actionSymbol = map[string]string{"create": "+", "update": "~", "delete": "-", "replace": "-/+"}

// Markdown renders a stack's summary for a pull request or a job summary.
// At most limit resources are listed (0: all).
func (s Summary) Markdown(stack string, limit int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### `%s`: %s", stack, s.Short())
	if !s.HasChanges() {
		b.WriteString(" (no changes)\n")
		return b.String()
	}
	b.WriteString("\n\n")
	for i, c := range s.Changes {
		if limit > 0 && i == limit {
			fmt.Fprintf(&b, "- … and %d more\n", len(s.Changes)-limit)
			break
		}
		fmt.Fprintf(&b, "- `%s` %s\n", actionSymbol[c.Action], c.Address)
	}
	if len(s.OutputsChanged) > 0 {
		fmt.Fprintf(&b, "- outputs changed: %s\n", strings.Join(s.OutputsChanged, ", "))
	}
	return b.String()
}
