// Package parity makes the reviewed plan the applied plan: `plan` on a pull
// request stores a fingerprint of each stack's change set (addresses,
// actions, and a digest of the values known at plan time), and `deploy`
// compares its fresh plan with it before applying. Only digests are stored:
// no value of a plan (sensitive or not) leaves the module.
package parity

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
)

// Change is one resource change of a plan, as a fingerprint.
type Change struct {
	Address string `json:"address"`
	// Actions as Terraform names them, e.g. "update" or "delete,create".
	Actions string `json:"actions"`
	// Values is a digest of the planned values known at plan time
	// (unknown and sensitive ones masked).
	Values string `json:"values"`
}

// Fingerprint is one stack's change set.
type Fingerprint struct {
	Stack   string   `json:"stack"`
	Changes []Change `json:"changes"`
}

// Sum is one digest of the whole change set.
func (f Fingerprint) Sum() string {
	b, _ := json.Marshal(f.Changes)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// Reviewed is what a `plan` stored: the fingerprints of the stacks it could plan.
type Reviewed struct {
	Environment string                 `json:"environment"`
	Revision    string                 `json:"revision"`
	PlannedAt   time.Time              `json:"plannedAt"`
	Stacks      map[string]Fingerprint `json:"stacks"`
	// Waiting lists the stacks not planned (their upstream was not applied).
	Waiting []string `json:"waiting,omitempty"`
}

// Keys: the reviewed plan of a revision and the latest one of the environment.
func RevisionKey(environment, revision string) string {
	return path.Join(environment, "reviewed-plans", revision+".json")
}
func LatestKey(environment string) string {
	return path.Join(environment, "reviewed-plans", "latest.json")
}

// Placeholder is what a value known only at deploy time (the image digest)
// is replaced by in the fingerprint, on both sides.
const Placeholder = "(known at deploy)"

// FromPlan fingerprints `terraform show -json` of a saved plan. Every
// occurrence of a string in volatile (e.g. the image reference, a
// placeholder at plan time and the pushed digest at deploy) is replaced by
// Placeholder inside string values first, so it does not count as a change.
func FromPlan(stack string, planJSON []byte, volatile ...string) (Fingerprint, error) {
	var plan tfjson.Plan
	if err := json.Unmarshal(planJSON, &plan); err != nil {
		return Fingerprint{}, fmt.Errorf("parity: reading the plan of %s: %w", stack, err)
	}
	var vol []string
	for _, v := range volatile {
		if v != "" {
			vol = append(vol, v)
		}
	}
	f := Fingerprint{Stack: stack, Changes: []Change{}}
	for _, rc := range plan.ResourceChanges {
		if rc == nil || rc.Change == nil || rc.Change.Actions.NoOp() || rc.Change.Actions.Read() {
			continue
		}
		known := mask(rc.Change.After, rc.Change.AfterUnknown, rc.Change.AfterSensitive, vol)
		b, err := json.Marshal(known)
		if err != nil {
			return Fingerprint{}, fmt.Errorf("parity: %s %s: %w", stack, rc.Address, err)
		}
		sum := sha256.Sum256(b)
		acts := make([]string, len(rc.Change.Actions))
		for i, a := range rc.Change.Actions {
			acts[i] = string(a)
		}
		f.Changes = append(f.Changes, Change{Address: rc.Address, Actions: strings.Join(acts, ","), Values: hex.EncodeToString(sum[:])})
	}
	sort.Slice(f.Changes, func(i, j int) bool { return f.Changes[i].Address < f.Changes[j].Address })
	return f, nil
}

// mask returns v with unknown values and sensitive values replaced by
// markers and volatile strings normalised.
func mask(v, unknown, sensitive any, vol []string) any {
	if b, ok := unknown.(bool); ok && b {
		return "(known after apply)"
	}
	if b, ok := sensitive.(bool); ok && b {
		return "(sensitive)"
	}
	switch x := v.(type) {
	case map[string]any:
		um, _ := unknown.(map[string]any)
		sm, _ := sensitive.(map[string]any)
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = mask(e, um[k], sm[k], vol)
		}
		// Attributes unknown at plan time are absent from "after".
		for k, u := range um {
			if _, ok := out[k]; !ok {
				out[k] = mask(nil, u, sm[k], vol)
			}
		}
		return out
	case []any:
		ul, _ := unknown.([]any)
		sl, _ := sensitive.([]any)
		out := make([]any, len(x))
		for i, e := range x {
			var u, s any
			if i < len(ul) {
				u = ul[i]
			}
			if i < len(sl) {
				s = sl[i]
			}
			out[i] = mask(e, u, s, vol)
		}
		return out
	case string:
		for _, s := range vol {
			x = strings.ReplaceAll(x, s, Placeholder)
		}
		return x
	}
	return v
}

// Difference is one address where the fresh plan differs from the reviewed one.
type Difference struct {
	Stack   string
	Address string
	Reason  string
	// Blocking: the deploy would apply something nobody reviewed.
	Blocking bool
}

func (d Difference) String() string { return d.Address + ": " + d.Reason }

// Compare says where fresh differs from reviewed. Blocking: a change the
// reviewed plan did not have, or had with another action or other values.
// Not blocking (noted): a reviewed change no longer planned (already in
// place, or the image did not change after all).
func Compare(reviewed, fresh Fingerprint) []Difference {
	prev := map[string]Change{}
	for _, c := range reviewed.Changes {
		prev[c.Address] = c
	}
	var out []Difference
	seen := map[string]bool{}
	for _, c := range fresh.Changes {
		seen[c.Address] = true
		p, ok := prev[c.Address]
		switch {
		case !ok:
			out = append(out, Difference{fresh.Stack, c.Address, fmt.Sprintf("%s planned now, not in the reviewed plan", c.Actions), true})
		case p.Actions != c.Actions:
			out = append(out, Difference{fresh.Stack, c.Address, fmt.Sprintf("reviewed %s, planned now %s", p.Actions, c.Actions), true})
		case p.Values != c.Values:
			out = append(out, Difference{fresh.Stack, c.Address, fmt.Sprintf("%s with other values than reviewed", c.Actions), true})
		}
	}
	for _, c := range reviewed.Changes {
		if !seen[c.Address] {
			out = append(out, Difference{fresh.Stack, c.Address, fmt.Sprintf("reviewed %s, no longer planned", c.Actions), false})
		}
	}
	return out
}

// Verdict is the parity check of one stack before its apply.
type Verdict struct {
	// Stop: the deploy must not apply this stack.
	Stop bool
	// Accepted: it differed and --accept-new-plan let it through.
	Accepted bool
	// Detail is the line for the report and Slack.
	Detail      string
	Differences []Difference
}

// Check decides for one stack. reviewed is nil when no plan was stored for
// the environment; ok is false when the stored plan did not cover the stack.
func Check(rv *Reviewed, fresh Fingerprint, accept bool) Verdict {
	if rv == nil {
		return Verdict{Detail: "no reviewed plan stored for this environment; nothing to compare"}
	}
	prev, ok := rv.Stacks[fresh.Stack]
	if !ok {
		return Verdict{Detail: fmt.Sprintf("not in the reviewed plan of %s (its upstream was not applied then)", rv.Revision)}
	}
	diffs := Compare(prev, fresh)
	var block, notes []string
	for _, d := range diffs {
		if d.Blocking {
			block = append(block, d.String())
		} else {
			notes = append(notes, d.String())
		}
	}
	if len(block) == 0 {
		detail := fmt.Sprintf("matches the reviewed plan of %s (%d changes)", rv.Revision, len(fresh.Changes))
		if len(notes) > 0 {
			detail += "; " + strings.Join(notes, "; ")
		}
		return Verdict{Detail: detail, Differences: diffs}
	}
	if accept {
		return Verdict{Accepted: true, Differences: diffs,
			Detail: fmt.Sprintf("differs from the reviewed plan of %s, accepted (--accept-new-plan): %s", rv.Revision, strings.Join(block, "; "))}
	}
	return Verdict{Stop: true, Differences: diffs,
		Detail: fmt.Sprintf("differs from the reviewed plan of %s: %s; re-run plan and review it, or deploy with --accept-new-plan", rv.Revision, strings.Join(block, "; "))}
}
