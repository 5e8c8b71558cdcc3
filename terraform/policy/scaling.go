package policy

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// ignoredChanges lists the attribute names in a resource's lifecycle { ignore_changes = [...] };
// all is true for ignore_changes = all.
func ignoredChanges(b *Block) (names map[string]bool, all bool) {
	names = map[string]bool{}
	for _, lc := range nested(b.Body, "lifecycle") {
		a, ok := lc.Attributes["ignore_changes"]
		if !ok {
			continue
		}
		switch e := a.Expr.(type) {
		case *hclsyntax.TupleConsExpr:
			for _, item := range e.Exprs {
				for _, t := range item.Variables() {
					if n := traversalNames(t); len(n) > 0 {
						names[n[0]] = true
					}
				}
				// A bare keyword is a scope traversal, already covered; a string is legacy syntax.
				if v, diags := item.Value(nil); !diags.HasErrors() && v.IsKnown() && v.Type().FriendlyName() == "string" {
					names[v.AsString()] = true
				}
			}
		case *hclsyntax.ScopeTraversalExpr:
			if n := traversalNames(e.Traversal); len(n) == 1 && n[0] == "all" {
				all = true
			}
		}
	}
	return names, all
}

// CheckScheduledCapacity: an aws_appautoscaling_target that scheduled actions change (the
// pre-midnight scale-out raises min_capacity) must leave its capacities to them:
// lifecycle { ignore_changes = [min_capacity, max_capacity] }. Otherwise any plan between the
// scale-out and the scale-in sees drift and resets the floor, mid-rush.
func CheckScheduledCapacity(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, target := range m.ResourcesOf("aws_appautoscaling_target") {
			var actions []string
			for _, a := range m.ResourcesOf("aws_appautoscaling_scheduled_action") {
				if refersTo(a.Raw("resource_id"), "aws_appautoscaling_target", target.Name) {
					actions = append(actions, a.Addr())
				}
			}
			if len(actions) == 0 {
				continue
			}
			ignored, all := ignoredChanges(target)
			var missing []string
			for _, attr := range []string{"min_capacity", "max_capacity"} {
				if !all && !ignored[attr] {
					missing = append(missing, attr)
				}
			}
			if len(missing) > 0 {
				out = append(out, fmt.Sprintf("%s: %s is changed by scheduled actions (%s) but does not ignore changes to %s: a plan in the rush window would reset the pre-scale; add lifecycle { ignore_changes = [min_capacity, max_capacity] }",
					target.Where(), target.Addr(), strings.Join(actions, ", "), strings.Join(missing, ", ")))
			}
		}
	}
	return out
}
