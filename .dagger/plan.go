package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"dagger/eventmall/freeze"
	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/stackio"
)

// Plan plans every stack against its live state, each fed with its
// upstream stacks' current outputs, and returns a Markdown summary for a
// pull request. Nothing is applied. A stack whose upstream has never been
// applied is reported as waiting for it. The summary warns when merging
// now would deploy into a freeze window. Read-only credentials (the base
// stack's plan role) suffice: the plans take no state lock.
// +cache="never"
func (m *Eventmall) Plan(
	ctx context.Context,
	// AWS access key id (the read-only plan role's credentials suffice).
	awsAccessKeyId *dagger.Secret,
	// AWS secret access key.
	awsSecretAccessKey *dagger.Secret,
	// AWS session token, for temporary credentials.
	// +optional
	awsSessionToken *dagger.Secret,
	// AWS region.
	// +optional
	// +default="us-east-1"
	region string,
	// S3 bucket holding Terraform state.
	stateBucket string,
	// DynamoDB table locking Terraform state.
	lockTable string,
	// Environment: the state key prefix.
	// +optional
	// +default="prod"
	environment string,
	// Endpoint URL for every AWS API; only for an emulator.
	// +optional
	awsEndpointUrl string,
	// Folder of the Terraform stacks.
	// +optional
	// +default="terraform/stacks"
	stacksPath string,
	// The time the freeze warning is judged at, RFC 3339; only for rehearsals (default: now).
	// +optional
	now string,
) (string, error) {
	clock, err := parseNow(now)
	if err != nil {
		return "", err
	}
	windows, err := m.freezeWindows(ctx, environment)
	if err != nil {
		return "", err
	}
	a := m.Aws(awsAccessKeyId, awsSecretAccessKey, awsSessionToken, region, awsEndpointUrl)
	stack := func(name string) *Stack { return a.Stack(name, stateBucket, lockTable, environment, stacksPath) }
	current := func(name string, out any) error {
		raw, err := stack(name).rawOutputs(ctx, stack(name).initialised(cacheBuster()))
		if err != nil {
			return err
		}
		return stackio.Decode(name, []byte(raw), out)
	}

	var (
		base    stackio.BaseOutputs
		network stackio.NetworkOutputs
		edge    stackio.EdgeOutputs
		data    stackio.DataOutputs
	)
	// Each stack's inputs, and the upstream stacks whose outputs they need.
	steps := []struct {
		name     string
		upstream []string
		inputs   func() map[string]any
	}{
		{stackio.Base, nil, func() map[string]any { return stackio.BaseInputs() }},
		{stackio.Network, []string{stackio.Base}, func() map[string]any { return stackio.NetworkInputs(base) }},
		{stackio.Edge, []string{stackio.Network}, func() map[string]any { return stackio.EdgeInputs(network) }},
		{stackio.Data, []string{stackio.Base, stackio.Network}, func() map[string]any { return stackio.DataInputs(base, network) }},
		{stackio.Service, []string{stackio.Base, stackio.Network, stackio.Edge, stackio.Data}, func() map[string]any {
			// The image digest is known only after a publish: a placeholder
			// stands for it, so the plan shows the task definition changing.
			return stackio.ServiceInputs(base, network, edge, data, data.RepositoryURL+"@sha256:"+strings.Repeat("0", 64))
		}},
	}
	outputs := map[string]any{stackio.Base: &base, stackio.Network: &network, stackio.Edge: &edge, stackio.Data: &data}
	applied := map[string]bool{}

	var md strings.Builder
	fmt.Fprintf(&md, "## Terraform plan: %s (%s)\n\n", environment, region)
	if w := freeze.MergeWarning(windows, clock, mergeToLive); w != "" {
		md.WriteString(w + "\n\n")
	}
	for _, step := range steps {
		var missing []string
		for _, up := range step.upstream {
			if !applied[up] {
				missing = append(missing, up)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(&md, "### `%s`: waits for %s to be applied\n\n", step.name, strings.Join(missing, ", "))
			continue
		}
		b, _ := json.Marshal(step.inputs())
		s, err := stack(step.name).WithInputs(string(b))
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
		if out, ok := outputs[step.name]; ok {
			if err := current(step.name, out); err == nil {
				applied[step.name] = true
			}
		}
	}
	return md.String(), nil
}

// mergeToLive is about how long a merge takes to reach the deploy's
// service rollout; the plan warns when a freeze starts within it.
const mergeToLive = 30 * time.Minute
