package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"dagger/eventmall/drift"
	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/parity"
	"dagger/eventmall/tfplan"
)

// The repository's terraform/ folder is mounted at the same path under
// /src, so stack paths relative to the repository work unchanged.
const srcRoot = "/src"

// Stack is one deployable Terraform root (base, network, edge, data,
// service), run by the pinned engine (OpenTofu), its state in S3, locked by
// an S3 object next to it (use_lockfile) and, when a DynamoDB table is
// given, by the table too.
type Stack struct {
	// Stack name: the folder under the stacks path.
	Name string
	// Folder of the stacks, relative to the repository.
	StacksPath string
	// Environment, the state key prefix, e.g. prod.
	Environment string
	// +private
	Aws *Aws
	// +private
	StateBucket string
	// +private
	LockTable string
	// Input variables as a JSON object, on top of the environment's
	// settings (terraform/environments) that the stack declares.
	Inputs string
}

// stack is one stack of the pipeline in this account, its state kept in
// S3 under the environment's prefix (Environment.Stack is its API).
func (a *Aws) stack(name, stateBucket, lockTable, environment, stacksPath string) *Stack {
	return &Stack{Name: name, StacksPath: stacksPath, Environment: environment, Aws: a,
		StateBucket: stateBucket, LockTable: lockTable, Inputs: "{}"}
}

// WithInputs adds input variables (a JSON object; later values win).
func (s *Stack) WithInputs(
	// Variables as a JSON object, e.g. {"vpc_id": "vpc-1"}.
	inputs string,
) (*Stack, error) {
	merged := map[string]any{}
	for _, src := range []string{s.Inputs, inputs} {
		var m map[string]any
		if err := json.Unmarshal([]byte(src), &m); err != nil {
			return nil, fmt.Errorf("stack %s: inputs are not a JSON object: %w", s.Name, err)
		}
		for k, v := range m {
			merged[k] = v
		}
	}
	b, _ := json.Marshal(merged)
	c := *s
	c.Inputs = string(b)
	return &c, nil
}

func (s *Stack) workdir() string { return path.Join(srcRoot, s.StacksPath, s.Name) }

// stateKey is where a stack's state lives in the state bucket.
func stateKey(environment, stack string) string { return environment + "/" + stack + ".tfstate" }

// backendConfig is passed to `init`. Credentials are not: they travel as
// secret environment variables, so they never land in the saved plan, which
// records the backend configuration. The stacks' backend block sets
// use_lockfile = true (terraform/policy holds them to it): state locks are
// S3 objects; dynamodb_table adds the table's lock only when one is given.
func (s *Stack) backendConfig() []string {
	args := []string{
		"-backend-config=bucket=" + s.StateBucket,
		"-backend-config=key=" + stateKey(s.Environment, s.Name),
		"-backend-config=region=" + s.Aws.Region,
		"-backend-config=encrypt=true",
	}
	if s.LockTable != "" {
		args = append(args, "-backend-config=dynamodb_table="+s.LockTable)
	}
	if e := s.Aws.EndpointURL; e != "" {
		endpoints := fmt.Sprintf("s3=%q,sts=%q,iam=%q", e, e, e)
		if s.LockTable != "" {
			endpoints += fmt.Sprintf(",dynamodb=%q", e)
		}
		args = append(args,
			"-backend-config=endpoints={"+endpoints+"}",
			"-backend-config=use_path_style=true",
			"-backend-config=skip_credentials_validation=true",
			"-backend-config=skip_metadata_api_check=true",
			"-backend-config=skip_region_validation=true",
			"-backend-config=skip_requesting_account_id=true",
		)
	}
	return args
}

// Container returns the pinned engine (OpenTofu: `tofu`) with the stack
// initialised (backend and providers), e.g. `container terminal`.
func (s *Stack) Container(ctx context.Context) (*dagger.Container, error) {
	return s.initialised(ctx, cacheBuster())
}

// Engine names the engine the stack's stages run and where it came from,
// e.g. "OpenTofu v1.12.6 (image eventmall-airgap/opentofu:1.12.6)".
func (s *Stack) Engine(ctx context.Context) (string, error) {
	_, label, err := engineContainer(ctx)
	return label, err
}

func (s *Stack) initialised(ctx context.Context, runID string) (*dagger.Container, error) {
	repo := s.Aws.Module.Source
	c, _, err := engineContainer(ctx)
	if err != nil {
		return nil, err
	}
	if s.Aws.OfflineProvider == "" {
		c = c.WithMountedCache("/root/.terraform.d/plugin-cache", dag.CacheVolume("eventmall-terraform-plugins")).
			WithEnvVariable("TF_PLUGIN_CACHE_DIR", "/root/.terraform.d/plugin-cache")
	} else {
		// No plugin cache: a cached binary of the same version could be an older build.
		c = s.Aws.withOfflineProvider(c)
	}
	c = c.
		WithEnvVariable("TF_IN_AUTOMATION", "1").
		WithEnvVariable("TF_INPUT", "0").
		WithEnvVariable("CHECKPOINT_DISABLE", "1").
		// Plain text in logs, Slack and errors.
		WithEnvVariable("TF_CLI_ARGS", "-no-color").
		WithDirectory(path.Join(srcRoot, "terraform"), repo.Directory("terraform")).
		WithWorkdir(s.workdir())
	c = s.Aws.withCredentials(c).
		// State is live: init must see it as it is now.
		WithEnvVariable("EVENTMALL_RUN", runID).
		WithExec(append([]string{tf, "init", "-input=false", "-reconfigure"}, s.backendConfig()...))
	return c, nil
}

var variableBlock = regexp.MustCompile(`(?m)^variable\s+"([^"]+)"`)

// declaredVariables lists the variables the stack's .tf files declare.
func (s *Stack) declaredVariables(ctx context.Context) (map[string]bool, error) {
	if !strings.HasPrefix(path.Clean(s.StacksPath)+"/", "terraform/") {
		return nil, fmt.Errorf("stacks path %q must be a folder under terraform/", s.StacksPath)
	}
	files, err := s.Aws.Module.Source.Glob(ctx, path.Join(s.StacksPath, s.Name, "*.tf"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("stack %s: no Terraform files in %s", s.Name, path.Join(s.StacksPath, s.Name))
	}
	dir := s.Aws.Module.Source
	declared := map[string]bool{}
	for _, f := range files {
		text, err := dir.File(f).Contents(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range variableBlock.FindAllStringSubmatch(text, -1) {
			declared[m[1]] = true
		}
	}
	return declared, nil
}

// environmentSettings reads the settings every stack of an environment
// shares (event name, time zone, sizes…): terraform/environments/
// defaults.json, overlaid by <environment>.json when present.
func (m *Eventmall) environmentSettings(ctx context.Context, environment string) (map[string]any, error) {
	settings := map[string]any{}
	dir := m.Source.Directory("terraform/environments")
	for _, name := range []string{"defaults.json", environment + ".json"} {
		found, err := dir.Glob(ctx, name)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			continue
		}
		text, err := dir.File(name).Contents(ctx)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			return nil, fmt.Errorf("terraform/environments/%s: %w", name, err)
		}
		for k, v := range m {
			settings[k] = v
		}
	}
	return settings, nil
}

// capacityRecord is the benchmark's per-process capacity record, written by
// `npm run bench -- --record-capacity` (the benchmark owns the file).
const capacityRecord = "backend/bench/capacity.json"

// measuredCapacity reads the capacity record for the stack variable
// measured_capacity.
func (s *Stack) measuredCapacity(ctx context.Context) (map[string]any, error) {
	text, err := s.Aws.Module.Source.File(capacityRecord).Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %s, the measured capacity its rush sizing reads, is missing (npm run bench -- --record-capacity writes it): %w", s.Name, capacityRecord, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, fmt.Errorf("stack %s: %s: %w", s.Name, capacityRecord, err)
	}
	return m, nil
}

// effectiveInputs is what the plan receives: the environment's settings,
// region, environment, state bucket and lock table, as far as this stack
// declares them, then the inputs given to the stack. An input
// the stack does not declare is an error here, named, before Terraform runs.
func (s *Stack) effectiveInputs(ctx context.Context) (string, error) {
	declared, err := s.declaredVariables(ctx)
	if err != nil {
		return "", err
	}
	settings, err := s.Aws.Module.environmentSettings(ctx, s.Environment)
	if err != nil {
		return "", err
	}
	var given map[string]any
	if err := json.Unmarshal([]byte(s.Inputs), &given); err != nil {
		return "", fmt.Errorf("stack %s: inputs are not a JSON object: %w", s.Name, err)
	}
	// The benchmark's capacity record, as it is: the rush sizing (service
	// stack, modules/rush) reads it; nothing copies its numbers.
	if declared["measured_capacity"] {
		capacity, err := s.measuredCapacity(ctx)
		if err != nil {
			return "", err
		}
		settings["measured_capacity"] = capacity
	}
	// What the stack itself knows: where it runs and where state lives.
	settings["region"] = s.Aws.Region
	settings["environment"] = s.Environment
	settings["state_bucket_name"] = s.StateBucket
	settings["lock_table_name"] = s.LockTable
	vars := map[string]any{}
	for k, v := range settings {
		if declared[k] {
			vars[k] = v
		}
	}
	var undeclared []string
	for k, v := range given {
		if !declared[k] {
			undeclared = append(undeclared, k)
		}
		vars[k] = v
	}
	if len(undeclared) > 0 {
		sort.Strings(undeclared)
		return "", fmt.Errorf("stack %s does not declare the variables %s that the pipeline passes", s.Name, strings.Join(undeclared, ", "))
	}
	b, err := json.MarshalIndent(vars, "", "  ")
	return string(b), err
}

// Plan plans the stack against its live state and saves the plan; apply
// it with `plan apply`. Never served from cache: the state may have moved.
// +cache="never"
func (s *Stack) Plan(
	ctx context.Context,
	// Plan the destruction of the stack (teardown after the event).
	// +optional
	destroy bool,
) (*TerraformPlan, error) {
	return s.plan(ctx, destroy, true)
}

// plan makes the saved plan; without lock it takes no state lock (-lock=false):
// for review-only plans (pull/merge requests, the read-only plan role),
// which are never applied and must not make a deploy wait.
func (s *Stack) plan(ctx context.Context, destroy, lock bool) (*TerraformPlan, error) {
	inputs, err := s.effectiveInputs(ctx)
	if err != nil {
		return nil, err
	}
	locking := "-lock-timeout=5m"
	if !lock {
		locking = "-lock=false"
	}
	args := []string{tf, "plan", "-input=false", locking, "-detailed-exitcode",
		"-out=/eventmall/tfplan", "-var-file=/eventmall/inputs.tfvars.json"}
	if destroy {
		args = append(args, "-destroy")
	}
	ws, err := s.initialised(ctx, cacheBuster())
	if err != nil {
		return nil, err
	}
	planned := ws.
		WithNewFile("/eventmall/inputs.tfvars.json", inputs).
		WithExec(args, dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	code, err := planned.ExitCode(ctx)
	if err != nil {
		return nil, execErr(tf+" init of stack "+s.Name, err)
	}
	if code == 1 {
		stderr, _ := planned.Stderr(ctx)
		stdout, _ := planned.Stdout(ctx)
		return nil, &execFailure{what: tf + " plan of stack " + s.Name, code: code, tail: tailOf(stdout, stderr)}
	}
	// To a file, not stdout: the plan's JSON holds every variable's value
	// (sensitive ones too) and must not land in the progress log.
	shown, err := planned.
		WithExec([]string{tf, "show", "-json", "/eventmall/tfplan"},
			dagger.ContainerWithExecOpts{RedirectStdout: "/eventmall/tfplan.json"}).
		File("/eventmall/tfplan.json").
		Contents(ctx)
	if err != nil {
		return nil, execErr(tf+" show of stack "+s.Name, err)
	}
	summary, err := tfplan.Parse([]byte(shown))
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", s.Name, err)
	}
	changeSet, err := s.changeSet([]byte(shown))
	if err != nil {
		return nil, err
	}
	drifted, err := drift.FromPlan(s.Name, []byte(shown))
	if err != nil {
		return nil, err
	}
	driftJSON, _ := json.Marshal(drifted)
	_, engine, _ := engineContainer(ctx)
	provider, md := "", summary.Markdown(s.Name, 30)
	if v := s.Aws.OfflineProvider; v != "" {
		provider = offlineLabel(v)
		md = "_Planned against the " + provider + ", not AWS._\n\n" + md
	}
	return &TerraformPlan{
		Engine:     engine,
		ChangeSet:  changeSet,
		Drift:      string(driftJSON),
		Provider:   provider,
		Stack:      s,
		Workspace:  planned,
		File:       planned.File("/eventmall/tfplan"),
		Summary:    summary.Short(),
		Add:        summary.Add,
		Change:     summary.Change,
		Destroy:    summary.Destroy,
		Markdown:   md,
		HasChanges: summary.HasChanges() || code == 2,
		parsed:     summary,
	}, nil
}

// rawOutputs runs `terraform output -json` on the live state; sensitive
// values are included, so the result stays inside the module.
func (s *Stack) rawOutputs(ctx context.Context, c *dagger.Container) (string, error) {
	out, err := c.
		WithExec([]string{tf, "output", "-json"},
			dagger.ContainerWithExecOpts{RedirectStdout: "/eventmall/outputs.json"}).
		File("/eventmall/outputs.json").
		Contents(ctx)
	if err != nil {
		return "", execErr(tf+" output of stack "+s.Name, err)
	}
	return out, nil
}

// Outputs returns the stack's current outputs as JSON, sensitive values
// redacted.
// +cache="never"
func (s *Stack) Outputs(ctx context.Context) (string, error) {
	ws, err := s.initialised(ctx, cacheBuster())
	if err != nil {
		return "", err
	}
	raw, err := s.rawOutputs(ctx, ws)
	if err != nil {
		return "", err
	}
	return redactOutputs(raw)
}

// TerraformPlan is a saved plan of one stack and its summary.
type TerraformPlan struct {
	// +private
	Stack *Stack
	// The initialised stack the plan was made in.
	// +private
	Workspace *dagger.Container
	// The saved plan file (binary; `terraform show` reads it).
	File *dagger.File
	// Counts of adds, changes and destroys: "+3 ~1 -0".
	Summary string
	// Resources the plan creates (a replacement counts as one create and one destroy).
	Add int
	// Resources the plan updates in place.
	Change int
	// Resources the plan destroys.
	Destroy int
	// The summary for a pull request or a job summary, resources listed.
	Markdown string
	// Whether applying would change anything.
	HasChanges bool
	// The engine that made the plan, e.g. "OpenTofu v1.12.6 (image eventmall-airgap/opentofu:1.12.6)".
	Engine string
	// The stand-in provider the plan was made against, e.g. "offline provider (schema of hashicorp/aws 6.47.0)"; empty for the registry's.
	Provider string
	// parsed is the plan's summary, for the deploy's guard (in-process only).
	parsed tfplan.Summary
	// The plan's fingerprint for plan parity (parity.Fingerprint as JSON:
	// addresses, actions, digests of known values; no values).
	// +private
	ChangeSet string
	// What the plan shows changed outside Terraform or differing from the
	// deployed configuration ([]drift.Finding as JSON).
	// +private
	Drift string
}

// changeSet fingerprints a plan. The image input is known only at deploy
// time (a placeholder when a pull request is planned): it is normalised.
func (s *Stack) changeSet(planJSON []byte) (string, error) {
	var given map[string]any
	_ = json.Unmarshal([]byte(s.Inputs), &given)
	image, _ := given["image"].(string)
	fp, err := parity.FromPlan(s.Name, planJSON, image)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(fp)
	return string(b), err
}

// Apply applies exactly this saved plan (Terraform refuses it if the state
// moved since) and returns the stack's outputs as JSON, sensitive values
// redacted.
// +cache="never"
func (p *TerraformPlan) Apply(ctx context.Context) (string, error) {
	raw, err := p.apply(ctx)
	if err != nil {
		return "", err
	}
	return redactOutputs(raw)
}

func (p *TerraformPlan) apply(ctx context.Context) (string, error) {
	s := p.Stack
	ws, err := s.initialised(ctx, cacheBuster())
	if err != nil {
		return "", err
	}
	applied := ws.
		WithFile("/eventmall/tfplan", p.File).
		WithExec([]string{tf, "apply", "-input=false", "-lock-timeout=5m", "/eventmall/tfplan"})
	if _, err := applied.Sync(ctx); err != nil {
		return "", execErr(tf+" apply of stack "+s.Name, err)
	}
	return s.rawOutputs(ctx, applied)
}

// redactOutputs replaces sensitive output values before they are shown.
func redactOutputs(raw string) (string, error) {
	var outs map[string]map[string]any
	if err := json.Unmarshal([]byte(raw), &outs); err != nil {
		return "", fmt.Errorf("reading terraform outputs: %w", err)
	}
	for _, o := range outs {
		if o["sensitive"] == true {
			o["value"] = "(sensitive)"
		}
	}
	b, err := json.MarshalIndent(outs, "", "  ")
	return string(b), err
}
