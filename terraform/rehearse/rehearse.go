package rehearse

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
)

// Options of one rehearsal of the stacks.
type Options struct {
	Root        string // the repository
	Terraform   string // terraform binary
	CLIConfig   string // TF_CLI_CONFIG_FILE installing the offline provider (install.sh prints it)
	Version     string // the hashicorp/aws schema version that CLI configuration installs
	Work        string // an empty scratch folder (state, plans, a copy of terraform/)
	Environment string // environment name (the state key prefix and a variable of every stack)
	Region      string
	Log         io.Writer
}

// Label is how every report names what the stacks ran against.
func (o Options) Label() string {
	return "offline provider (schema of hashicorp/aws " + o.Version + ")"
}

// Counts of a plan, as terraform prints them.
type Counts struct{ Add, Change, Destroy int }

func (c Counts) String() string { return fmt.Sprintf("+%d ~%d -%d", c.Add, c.Change, c.Destroy) }

// Output is one entry of `terraform output -json`: its type is terraform's own.
type Output struct {
	Sensitive bool            `json:"sensitive"`
	Type      json.RawMessage `json:"type"`
	Value     json.RawMessage `json:"value"`
}

// StackResult is what one stack did.
type StackResult struct {
	Name     string
	Plan     Counts
	Replan   Counts
	Outputs  map[string]Output
	Warnings []string
	Took     time.Duration
}

// tree copies the repository's terraform/ folder (and the graph) into the work folder, so
// stacks find ../../modules and nothing is written into the repository.
func (o Options) tree() (string, error) {
	dst := filepath.Join(o.Work, "repo")
	if _, err := os.Stat(dst); err == nil {
		return dst, nil
	}
	src := filepath.Join(o.Root, "terraform")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && (d.Name() == ".terraform" || rel == "offline-provider") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(d.Name(), ".tfstate") || strings.HasSuffix(d.Name(), ".tfstate.backup") || d.Name() == ".terraform.lock.hcl" {
			return nil
		}
		out := filepath.Join(dst, "terraform", rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	return dst, err
}

// tf runs terraform in dir; stdout is returned, a failure carries stderr.
func (o Options) tf(ctx context.Context, dir string, args ...string) (string, string, int, error) {
	cmd := exec.CommandContext(ctx, o.Terraform, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+o.CLIConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"TF_INPUT=0", "TF_CLI_ARGS=-no-color", "TF_PLUGIN_CACHE_DIR=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return stdout.String(), stderr.String(), code, err
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// Failure is a step that failed, named: which folder, which terraform command, its message.
type Failure struct {
	Dir, Step, Message string
}

func (f *Failure) Error() string {
	return fmt.Sprintf("%s: terraform %s failed:\n%s", f.Dir, f.Step, strings.TrimSpace(f.Message))
}

// Validate runs init (no backend) and validate in one folder (relative to the repository's
// terraform/), against the offline provider.
func (o Options) Validate(ctx context.Context, rel string) ([]string, error) {
	repo, err := o.tree()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(repo, "terraform", rel)
	if strings.HasPrefix(rel, "modules/") {
		if err := standInAliases(dir); err != nil {
			return nil, err
		}
		defer os.Remove(filepath.Join(dir, "rehearse_aliases.tf"))
	}
	if _, stderr, _, err := o.tf(ctx, dir, "init", "-backend=false", "-input=false"); err != nil {
		return nil, &Failure{Dir: "terraform/" + rel, Step: "init", Message: stderr}
	}
	return o.validateInitialised(ctx, rel, dir)
}

// validateInitialised runs `terraform validate -json` in an initialised folder.
func (o Options) validateInitialised(ctx context.Context, rel, dir string) ([]string, error) {
	stdout, stderr, _, err := o.tf(ctx, dir, "validate", "-json")
	var v tfjson.ValidateOutput
	if jerr := json.Unmarshal([]byte(stdout), &v); jerr != nil {
		return nil, &Failure{Dir: "terraform/" + rel, Step: "validate", Message: stderr + stdout}
	}
	var warnings, errs []string
	for _, d := range v.Diagnostics {
		where := ""
		if d.Range != nil {
			where = fmt.Sprintf(" (%s:%d)", d.Range.Filename, d.Range.Start.Line)
		}
		msg := d.Summary + where
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		if d.Severity == tfjson.DiagnosticSeverityError {
			errs = append(errs, msg)
		} else {
			warnings = append(warnings, msg)
		}
	}
	if err != nil || !v.Valid {
		return warnings, &Failure{Dir: "terraform/" + rel, Step: "validate", Message: strings.Join(errs, "\n")}
	}
	return warnings, nil
}

// settings are what every stack of the environment gets (terraform/environments), as the
// pipeline passes them, with the state location the pipeline knows.
func (o Options) settings() (map[string]any, error) {
	vars := map[string]any{}
	for _, name := range []string{"defaults.json", o.Environment + ".json"} {
		b, err := os.ReadFile(filepath.Join(o.Root, "terraform/environments", name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("terraform/environments/%s: %w", name, err)
		}
		for k, v := range m {
			vars[k] = v
		}
	}
	// The benchmark's capacity record, as the pipeline passes it (measured_capacity of the service
	// stack's rush sizing).
	b, err := os.ReadFile(filepath.Join(o.Root, "backend/bench/capacity.json"))
	if err != nil {
		return nil, fmt.Errorf("the measured capacity the service stack reads: %w", err)
	}
	var capacity map[string]any
	if err := json.Unmarshal(b, &capacity); err != nil {
		return nil, fmt.Errorf("backend/bench/capacity.json: %w", err)
	}
	vars["measured_capacity"] = capacity
	vars["region"] = o.Region
	vars["environment"] = o.Environment
	vars["state_bucket_name"] = "eventmall-" + o.Environment + "-state"
	vars["lock_table_name"] = "eventmall-" + o.Environment + "-locks"
	return vars, nil
}

// StepValue gives a value a pipeline step would produce, from the outputs so far. Without a
// publish, the image is the repository's URL with a placeholder digest (as `plan` does).
func StepValue(r Ref, g *Graph, outputs map[string]map[string]Output) (any, error) {
	if r.Step == "publish-backend" && r.Value == "image" {
		for _, st := range g.Steps {
			if st.Name != r.Step {
				continue
			}
			src, _ := ParseRef(st.Inputs["repository_url"])
			var url string
			o, ok := outputs[src.Stack][src.Output]
			if !ok || json.Unmarshal(o.Value, &url) != nil {
				return nil, fmt.Errorf("%s needs %s", r, src)
			}
			return url + "@sha256:" + strings.Repeat("0", 64), nil
		}
	}
	return nil, fmt.Errorf("no stand-in value for %s", r)
}

// Inputs of stack s: the environment's settings, then the upstream values the graph wires in.
func (o Options) Inputs(g *Graph, s Stack, outputs map[string]map[string]Output) (map[string]any, error) {
	vars, err := o.settings()
	if err != nil {
		return nil, err
	}
	for _, in := range sortedKeys(s.Inputs) {
		r, err := ParseRef(s.Inputs[in])
		if err != nil {
			return nil, err
		}
		if r.Stack == "" {
			v, err := StepValue(r, g, outputs)
			if err != nil {
				return nil, fmt.Errorf("stack %s input %s: %w", s.Name, in, err)
			}
			vars[in] = v
			continue
		}
		out, ok := outputs[r.Stack][r.Output]
		if !ok {
			return nil, fmt.Errorf("stack %s input %s: stack %s has no output %s", s.Name, in, r.Stack, r.Output)
		}
		vars[in] = out.Value
	}
	return vars, nil
}

// CountPlan reads `terraform show -json` of a saved plan.
func CountPlan(planJSON []byte) (Counts, error) {
	var p tfjson.Plan
	if err := json.Unmarshal(planJSON, &p); err != nil {
		return Counts{}, err
	}
	var c Counts
	for _, rc := range p.ResourceChanges {
		if rc == nil || rc.Change == nil {
			continue
		}
		a := rc.Change.Actions
		switch {
		case a.Replace():
			c.Add++
			c.Destroy++
		case a.Create():
			c.Add++
		case a.Update():
			c.Change++
		case a.Delete():
			c.Destroy++
		}
	}
	return c, nil
}

// RunStacks validates, plans, applies and re-plans every stack of the graph in order, with a
// local backend in the work folder, each fed its upstream stacks' outputs.
func (o Options) RunStacks(ctx context.Context, g *Graph) ([]StackResult, error) {
	repo, err := o.tree()
	if err != nil {
		return nil, err
	}
	outputs := map[string]map[string]Output{}
	var results []StackResult
	for _, s := range g.Stacks {
		t0 := time.Now()
		rel := "stacks/" + s.Name
		dir := filepath.Join(repo, "terraform", rel)
		state := filepath.Join(o.Work, "state", s.Name+".tfstate")
		if err := os.MkdirAll(filepath.Dir(state), 0o755); err != nil {
			return results, err
		}
		// The stacks declare backend "s3" {}; an override file swaps in a local backend.
		override := fmt.Sprintf("terraform {\n  backend \"local\" {\n    path = %q\n  }\n}\n", state)
		if err := os.WriteFile(filepath.Join(dir, "rehearse_override.tf"), []byte(override), 0o644); err != nil {
			return results, err
		}
		vars, err := o.Inputs(g, s, outputs)
		if err != nil {
			return results, err
		}
		varFile := filepath.Join(o.Work, s.Name+".tfvars.json")
		b, _ := json.MarshalIndent(vars, "", "  ")
		if err := os.WriteFile(varFile, b, 0o600); err != nil {
			return results, err
		}
		if _, stderr, _, err := o.tf(ctx, dir, "init", "-input=false", "-reconfigure"); err != nil {
			return results, &Failure{Dir: "terraform/" + rel, Step: "init", Message: stderr}
		}
		warnings, err := o.validateInitialised(ctx, rel, dir)
		if err != nil {
			return results, err
		}
		plan := func(name string) (Counts, error) {
			planFile := filepath.Join(o.Work, s.Name+"."+name+".tfplan")
			_, stderr, code, _ := o.tf(ctx, dir, "plan", "-input=false", "-detailed-exitcode", "-out="+planFile, "-var-file="+varFile)
			if code == 1 {
				return Counts{}, &Failure{Dir: "terraform/" + rel, Step: name, Message: stderr}
			}
			if code == 0 { // -detailed-exitcode: no changes
				return Counts{}, nil
			}
			shown, stderr, _, err := o.tf(ctx, dir, "show", "-json", planFile)
			if err != nil {
				return Counts{}, &Failure{Dir: "terraform/" + rel, Step: "show", Message: stderr}
			}
			return CountPlan([]byte(shown))
		}
		first, err := plan("plan")
		if err != nil {
			return results, err
		}
		if _, stderr, _, err := o.tf(ctx, dir, "apply", "-input=false", filepath.Join(o.Work, s.Name+".plan.tfplan")); err != nil {
			return results, &Failure{Dir: "terraform/" + rel, Step: "apply", Message: stderr}
		}
		outJSON, stderr, _, err := o.tf(ctx, dir, "output", "-json")
		if err != nil {
			return results, &Failure{Dir: "terraform/" + rel, Step: "output", Message: stderr}
		}
		var outs map[string]Output
		if err := json.Unmarshal([]byte(outJSON), &outs); err != nil {
			return results, err
		}
		outputs[s.Name] = outs
		second, err := plan("replan")
		if err != nil {
			return results, err
		}
		r := StackResult{Name: s.Name, Plan: first, Replan: second, Outputs: outs, Warnings: warnings, Took: time.Since(t0)}
		results = append(results, r)
		o.logf("%s: stack %-8s plan %-12s applied, outputs %d, second plan %s (%.1f s)", o.Label(), s.Name, first, len(outs), second, r.Took.Seconds())
	}
	return results, nil
}

// Install runs terraform/offline-provider/install.sh for version and returns the CLI
// configuration it prints.
func Install(ctx context.Context, root, version string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "terraform/offline-provider/install.sh"), version)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("installing the offline provider %s: %v\n%s", version, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}
