package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"dagger/eventmall/freeze"
	"dagger/eventmall/parity"
	"dagger/eventmall/stackio"
)

// Plan plans every stack of the environment against its live state, each fed with its
// upstream stacks' current outputs, and returns a Markdown summary for a
// pull request. Nothing is applied. A stack whose upstream has never been
// applied is reported as waiting for it. The summary warns when merging
// now would deploy into a freeze window. The plans take no state lock. Each
// stack's change set is stored (as a fingerprint, next to the state, the
// one write this needs; without it the summary says so) for deploy's plan
// parity check.
// +cache="never"
func (e *Environment) Plan(ctx context.Context) (string, error) {
	m, environment, stateBucket, region := e.module(), e.Name, e.StateBucket, e.Aws.Region
	clock, err := parseNow(e.Now)
	if err != nil {
		return "", err
	}
	windows, err := m.freezeWindows(ctx, environment)
	if err != nil {
		return "", err
	}
	a, stack := e.Aws, e.Stack
	graph, err := stackio.Load()
	if err != nil {
		return "", err
	}
	// Values a step would produce during a deploy, stood in for by a plan.
	placeholders := map[string]func(in map[string]string) map[string]string{
		// The image digest is known only after a publish: a placeholder stands
		// for it, so the plan shows the task definition changing.
		"publish-backend": func(in map[string]string) map[string]string {
			return map[string]string{"image": in["repository_url"] + "@sha256:" + strings.Repeat("0", 64)}
		},
	}
	reviewed := parity.Reviewed{Environment: environment, Revision: m.sourceRevision(ctx),
		PlannedAt: time.Now().UTC(), Stacks: map[string]parity.Fingerprint{}}
	values := stackio.NewValues()
	var md strings.Builder
	fmt.Fprintf(&md, "## Terraform plan: %s (%s)\n\n", environment, region)
	_, engine, err := engineContainer(ctx)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&md, "_Planned by %s._\n\n", engine)
	if w := freeze.MergeWarning(windows, clock, mergeToLive); w != "" {
		md.WriteString(w + "\n\n")
	}
	for _, name := range graph.Names() {
		var missing []string
		for _, need := range graph.Needs(name) {
			if graph.IsStack(need) {
				if _, ok := values.Stacks[need]; !ok {
					missing = append(missing, need)
				}
				continue
			}
			in, err := graph.StepInputs(need, values)
			if err != nil || placeholders[need] == nil {
				missing = append(missing, need)
				continue
			}
			for k, v := range placeholders[need](in) {
				b, _ := json.Marshal(v)
				values.Steps["step."+need+"."+k] = b
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(&md, "### `%s`: waits for %s to be applied\n\n", name, strings.Join(missing, ", "))
			reviewed.Waiting = append(reviewed.Waiting, name)
			continue
		}
		inputs, err := graph.StackInputs(name, values)
		if err != nil {
			return "", err
		}
		b, _ := json.Marshal(inputs)
		s, err := stack(name).WithInputs(string(b))
		if err != nil {
			return "", err
		}
		// Review only, never applied: no state lock (the plan role may not
		// write one, and a deploy must not wait for a pull request).
		p, err := s.plan(ctx, false, false)
		if err != nil {
			return "", err
		}
		md.WriteString(p.Markdown + "\n")
		var fp parity.Fingerprint
		if err := json.Unmarshal([]byte(p.ChangeSet), &fp); err != nil {
			return "", err
		}
		reviewed.Stacks[name] = fp
		// The stack's current outputs (if it was ever applied) feed the next plans.
		ws, err := s.initialised(ctx, cacheBuster())
		if err != nil {
			return "", err
		}
		if raw, err := s.rawOutputs(ctx, ws); err == nil {
			if outs, err := stackio.DecodeOutputs(name, []byte(raw)); err == nil && len(outs) > 0 {
				values.Stacks[name] = outs
			}
		}
	}
	// Not fatal: the summary is the plan's purpose. Without the stored
	// fingerprints deploy's parity stage says no reviewed plan was stored.
	if err := a.storeReviewed(ctx, stateBucket, reviewed); err != nil {
		progress("! %v", err)
		fmt.Fprintf(&md, "**Plan fingerprints NOT stored** (deploy's parity check will have nothing to compare with): %v\n", err)
	} else {
		fmt.Fprintf(&md, "Plan fingerprints stored for `deploy`'s parity check (revision `%s`).\n", reviewed.Revision)
	}
	return md.String(), nil
}

// mergeToLive is about how long a merge takes to reach the deploy's
// service rollout; the plan warns when a freeze starts within it.
const mergeToLive = 30 * time.Minute
