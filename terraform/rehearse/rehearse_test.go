package rehearse

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func terraformBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TERRAFORM_BINARY"); p != "" {
		return p
	}
	if p, err := exec.LookPath("terraform"); err == nil {
		return p
	}
	cache := os.Getenv("EVENTMALL_CACHE")
	if cache == "" {
		cache = "/var/cache/eventmall"
	}
	if p := filepath.Join(cache, "bin/terraform"); fileExists(p) {
		return p
	}
	msg := t.Name() + ": no terraform binary found; the offline provider checks did NOT run"
	if os.Getenv("EVENTMALL_REQUIRE_TERRAFORM") == "1" {
		t.Fatal(msg)
	}
	os.Stderr.WriteString("!!! " + msg + "\n")
	t.Skip(msg)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestTheGraphIsAValidOrder(t *testing.T) {
	g, err := LoadGraph(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.Names(), " "); got != "base network edge data service" {
		t.Errorf("stacks %s", got)
	}
	for _, bad := range []string{
		`{"stacks": [{"name": "a", "inputs": {"x": "b.y"}}, {"name": "b", "inputs": {}}]}`,
		`{"stacks": [{"name": "a", "inputs": {"x": "step.publish.image"}}]}`,
		`{"stacks": [{"name": "a", "inputs": {"x": "nodot"}}]}`,
		`{"stacks": [{"name": "a", "inputs": {}}], "steps": [{"name": "s", "inputs": {"x": "c.y"}}]}`,
		`{"stacks": [], "extra": 1}`,
	} {
		if _, err := ParseGraph([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestInputsFollowTheGraph(t *testing.T) {
	root := repoRoot(t)
	g, _ := LoadGraph(root)
	o := Options{Root: root, Environment: "rehearsal", Region: "us-east-1"}
	outputs := map[string]map[string]Output{
		"data": {"repository_url": {Value: []byte(`"1.dkr.ecr.us-east-1.amazonaws.com/x"`)}},
	}
	var service Stack
	for _, s := range g.Stacks {
		if s.Name == "service" {
			service = s
		}
	}
	if _, err := o.Inputs(g, service, outputs); err == nil || !strings.Contains(err.Error(), "stack service input") {
		t.Errorf("missing upstream outputs must be named, got %v", err)
	}
	for _, s := range []string{"base", "network", "edge"} {
		outputs[s] = map[string]Output{}
	}
	for _, ref := range service.Inputs {
		r, _ := ParseRef(ref)
		if r.Stack != "" && r.Stack != "data" || r.Output != "repository_url" && r.Stack == "data" {
			if outputs[r.Stack] == nil {
				outputs[r.Stack] = map[string]Output{}
			}
			outputs[r.Stack][r.Output] = Output{Value: []byte(`"v"`)}
		}
	}
	vars, err := o.Inputs(g, service, outputs)
	if err != nil {
		t.Fatal(err)
	}
	if vars["image"] != "1.dkr.ecr.us-east-1.amazonaws.com/x@sha256:"+strings.Repeat("0", 64) {
		t.Errorf("image %v", vars["image"])
	}
	if vars["event_name"] == nil || vars["environment"] != "rehearsal" {
		t.Errorf("environment settings missing: %v", vars)
	}
}

// TestBrokenFixturesFailByName: each fixture under terraform/fixtures/broken is wrong in a way
// only the provider's schema tells; validating it must fail, naming the folder and the
// diagnostic its "# expect:" line gives, against both schema versions.
func TestBrokenFixturesFailByName(t *testing.T) {
	tf := terraformBinary(t)
	root := repoRoot(t)
	dirs, _ := filepath.Glob(filepath.Join(root, "terraform/fixtures/broken/*/main.tf"))
	if len(dirs) < 4 {
		t.Fatalf("only %d broken fixtures", len(dirs))
	}
	expect := regexp.MustCompile(`(?m)^# expect: (.+)$`)
	for _, version := range []string{"5.82.0", "6.47.0"} {
		rc, err := Install(context.Background(), root, version)
		if err != nil {
			t.Fatal(err)
		}
		o := Options{Root: root, Terraform: tf, CLIConfig: rc, Version: version, Work: t.TempDir()}
		for _, main := range dirs {
			text, _ := os.ReadFile(main)
			m := expect.FindSubmatch(text)
			if m == nil {
				t.Fatalf("%s has no # expect: line", main)
			}
			rel, _ := filepath.Rel(filepath.Join(root, "terraform"), filepath.Dir(main))
			_, err := o.Validate(context.Background(), rel)
			var f *Failure
			if !errors.As(err, &f) {
				t.Errorf("%s: terraform/%s validated (err %v), want %q", o.Label(), rel, err, m[1])
				continue
			}
			if !strings.Contains(err.Error(), "terraform/"+rel) || !strings.Contains(f.Message, string(m[1])) {
				t.Errorf("%s: terraform/%s failed with\n%v\nwant the folder named and %q", o.Label(), rel, err, m[1])
			}
		}
	}
}
