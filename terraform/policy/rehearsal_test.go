package policy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// The whole stack chain, rehearsed for real with the provider-free fixtures: each stack is
// planned and applied in pipeline order, and its inputs are exactly what a pipeline can give it:
// the pipeline inputs plus every upstream output whose name matches an input (output -json ->
// -var). The S3 backend is swapped for a local one with an override file (as a rehearsal would
// point it at an emulator).
func TestRehearsalChainAppliesInPipelineOrder(t *testing.T) {
	bin := terraformBinary(t)
	tree := load(t, realTree)
	work := t.TempDir()
	rc := filepath.Join(work, "terraformrc")
	if err := os.WriteFile(rc, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_CLI_CONFIG_FILE", rc)
	t.Setenv("CHECKPOINT_DISABLE", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	pipeline := map[string]string{
		"region":            "us-east-1",
		"environment":       "rehearsal",
		"event_name":        "winter-drop",
		"event_time_zone":   "Asia/Seoul",
		"state_bucket_name": "eventmall-rehearsal-state",
		"lock_table_name":   "eventmall-rehearsal-locks",
	}
	outputs := map[string]json.RawMessage{} // every output so far, by name
	for _, name := range StackOrder {
		fx := tree.Rehearsal[name]
		dir := filepath.Join(work, name)
		copyDir(t, fx.Dir, dir)
		override := "terraform {\n  backend \"local\" {}\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "backend_override.tf"), []byte(override), 0o644); err != nil {
			t.Fatal(err)
		}
		tf := newTF(t, bin, dir)
		if err := tf.Init(ctx); err != nil {
			t.Fatalf("%s: init: %v", name, err)
		}
		var opts []tfexec.PlanOption
		passed := []string{}
		for _, v := range sortedKeys(tree.Stacks[name].Variables) {
			if val, ok := outputs[v]; ok {
				opts = append(opts, tfexec.Var(v+"="+VarValue(val)))
				passed = append(passed, v)
				continue
			}
			if val, ok := pipeline[v]; ok {
				opts = append(opts, tfexec.Var(v+"="+val))
				passed = append(passed, v)
			}
		}
		if name == "service" {
			var repo string
			if err := json.Unmarshal(outputs["repository_url"], &repo); err != nil {
				t.Fatalf("repository_url from data: %v", err)
			}
			opts = append(opts, tfexec.Var("image="+repo+"@sha256:"+strings.Repeat("ab", 32)))
			passed = append(passed, "image")
		}
		plan := filepath.Join(dir, name+".tfplan")
		opts = append(opts, tfexec.Out(plan))
		if _, err := tf.Plan(ctx, opts...); err != nil {
			t.Fatalf("%s: plan with %v: %v", name, passed, err)
		}
		if err := tf.Apply(ctx, tfexec.DirOrPlan(plan)); err != nil {
			t.Fatalf("%s: apply: %v", name, err)
		}
		outs, err := tf.Output(ctx)
		if err != nil {
			t.Fatalf("%s: output: %v", name, err)
		}
		for _, o := range sortedKeys(tree.Stacks[name].Outputs) {
			meta, ok := outs[o]
			if !ok {
				t.Fatalf("%s: rehearsal did not output %q", name, o)
			}
			outputs[o] = meta.Value
		}
		t.Logf("%s: applied with %d inputs from the pipeline and upstream outputs", name, len(passed))
	}
	var health string
	_ = json.Unmarshal(outputs["api_health_url"], &health)
	if health != "https://rehearsal.cloudfront.invalid/healthz" {
		t.Fatalf("api_health_url = %q, want the edge's site_url + /healthz", health)
	}
}
