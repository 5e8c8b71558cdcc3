// Package drift says where what runs differs from what the pipeline last
// deployed: Terraform's own view (a plan with the deployed inputs, data
// source reads and output-only changes ignored) and what the pipeline
// itself owns outside Terraform's resources — the site's objects against
// the build, the ECS service's PRIMARY task definition against the state,
// and the scheduled scaling actions and their time zone.
package drift

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"dagger/eventmall/s3sync"
)

// Finding is one difference, in words an on-call reads.
type Finding struct {
	// Area: "stack <name>", "site", "ecs" or "scaling".
	Area string
	What string
	// Outside: Terraform saw the resource changed outside it (a deploy
	// would overwrite that change).
	Outside bool `json:",omitempty"`
}

func (f Finding) String() string { return f.Area + ": " + f.What }

// FromPlan reads `terraform show -json` of a plan made with the deployed
// inputs: resources Terraform saw changed outside it (resource_drift), and
// resources a deploy would change. Data source reads, no-ops and changes
// of outputs alone are not drift.
func FromPlan(stack string, planJSON []byte) ([]Finding, error) {
	var plan tfjson.Plan
	if err := json.Unmarshal(planJSON, &plan); err != nil {
		return nil, fmt.Errorf("drift: reading the plan of %s: %w", stack, err)
	}
	area := "stack " + stack
	var out []Finding
	seen := map[string]bool{}
	for _, rc := range plan.ResourceDrift {
		if rc == nil || rc.Change == nil || rc.Mode == tfjson.DataResourceMode || rc.Change.Actions.NoOp() || rc.Change.Actions.Read() {
			continue
		}
		// A provider reading an unset block back as an empty one is no change.
		if rc.Change.Actions.Update() && reflect.DeepEqual(unsetAsNil(rc.Change.Before), unsetAsNil(rc.Change.After)) {
			continue
		}
		seen[rc.Address] = true
		out = append(out, Finding{area, fmt.Sprintf("%s changed outside Terraform (%s)", rc.Address, actions(rc.Change.Actions)), true})
	}
	for _, rc := range plan.ResourceChanges {
		if rc == nil || rc.Change == nil || rc.Mode == tfjson.DataResourceMode || rc.Change.Actions.NoOp() || rc.Change.Actions.Read() {
			continue
		}
		if seen[rc.Address] {
			continue
		}
		out = append(out, Finding{area, fmt.Sprintf("%s differs from the deployed configuration: a deploy would %s it", rc.Address, actions(rc.Change.Actions)), false})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].What < out[j].What })
	return out, nil
}

// unsetAsNil normalises a value so that null, an empty list, an empty map
// and an empty string compare equal, at any depth.
func unsetAsNil(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if n := unsetAsNil(e); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unsetAsNil(e)
		}
		return out
	case string:
		if x == "" {
			return nil
		}
	}
	return v
}

func actions(a tfjson.Actions) string {
	switch {
	case a.Replace():
		return "replace"
	case a.Create():
		return "create"
	case a.Delete():
		return "delete"
	case a.Update():
		return "update"
	}
	parts := make([]string, len(a))
	for i, x := range a {
		parts[i] = string(x)
	}
	return strings.Join(parts, ",")
}

// Site compares the bucket with the build: a file of the build missing
// from the bucket or with other bytes (by MD5 ETag) is drift. Objects the
// build does not have are old assets kept for open pages, not drift.
func Site(local []s3sync.LocalFile, remote []s3sync.RemoteObject) []Finding {
	have := map[string]string{}
	for _, o := range remote {
		have[o.Key] = s3sync.NormalizeETag(o.ETag)
	}
	var out []Finding
	for _, f := range local {
		etag, ok := have[f.Key]
		switch {
		case !ok:
			out = append(out, Finding{Area: "site", What: f.Key + " is missing from the bucket"})
		case etag != s3sync.NormalizeETag(f.MD5):
			out = append(out, Finding{Area: "site", What: f.Key + " differs from the build (edited behind the pipeline's back?)"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].What < out[j].What })
	return out
}

// TaskDefinition compares the ECS service's PRIMARY deployment with the
// task definition the service stack's state names.
func TaskDefinition(primary, inState string) []Finding {
	if primary == "" {
		return []Finding{{Area: "ecs", What: "the service has no PRIMARY deployment"}}
	}
	if inState != "" && primary != inState {
		return []Finding{{Area: "ecs", What: fmt.Sprintf("PRIMARY runs %s, the state says %s", short(primary), short(inState))}}
	}
	return nil
}

func short(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// ScheduledAction is one Application Auto Scaling scheduled action.
type ScheduledAction struct {
	Name     string
	Schedule string
	Timezone string
}

// Scaling checks that the scale-out and scale-in actions exist at the
// environment's schedule, in the event's zone.
func Scaling(scaleOut, scaleIn, zone string, actual []ScheduledAction) []Finding {
	var out []Finding
	for _, want := range []struct{ what, schedule string }{{"scale-out before midnight", scaleOut}, {"scale-in after the rush", scaleIn}} {
		var match *ScheduledAction
		for i := range actual {
			if actual[i].Schedule == want.schedule {
				match = &actual[i]
				break
			}
		}
		switch {
		case match == nil:
			out = append(out, Finding{Area: "scaling", What: fmt.Sprintf("no scheduled action at %s: the %s is missing", want.schedule, want.what)})
		case match.Timezone != zone:
			tz := match.Timezone
			if tz == "" {
				tz = "UTC (none set)"
			}
			out = append(out, Finding{Area: "scaling", What: fmt.Sprintf("%s (%s) runs in %s, not the event's %s", match.Name, want.what, tz, zone)})
		}
	}
	return out
}

// Overwritten lists the addresses a deploy of this plan would overwrite
// although they were changed outside Terraform.
func Overwritten(findings []Finding) []string {
	var out []string
	for _, f := range findings {
		if f.Outside {
			addr, _, _ := strings.Cut(f.What, " ")
			out = append(out, addr)
		}
	}
	return out
}

// Render is the report: one line per finding, or that there is none.
func Render(environment string, findings []Finding, checked []string) string {
	var b strings.Builder
	if len(findings) == 0 {
		fmt.Fprintf(&b, "no drift in %s (checked: %s)\n", environment, strings.Join(checked, ", "))
		return b.String()
	}
	fmt.Fprintf(&b, "drift in %s: %d finding(s)\n", environment, len(findings))
	for _, f := range findings {
		b.WriteString("- " + f.String() + "\n")
	}
	fmt.Fprintf(&b, "(checked: %s)\n", strings.Join(checked, ", "))
	return b.String()
}
