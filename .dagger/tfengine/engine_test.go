package tfengine

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPinnedIsValid(t *testing.T) {
	e := Pinned()
	if e.Binary() == "" || e.Module() == "" || e.Label() == "" {
		t.Fatalf("pinned engine incomplete: %+v", e)
	}
	if e.Engine == "opentofu" && len(e.Replace) == 0 {
		t.Errorf("OpenTofu builds only with its hcl/v2 fork: engine.json needs the replace line of its go.mod")
	}
}

func TestParseRefuses(t *testing.T) {
	cases := []struct{ name, json, want string }{
		{"unknown engine", `{"engine":"pulumi","version":"3.0.0"}`, `engine "pulumi" is not one of`},
		{"2023's terraform", `{"engine":"terraform","version":"1.5.7"}`, "older than 1.10.0: its S3 backend has no use_lockfile"},
		{"old opentofu", `{"engine":"opentofu","version":"1.9.4"}`, "older than 1.10.0"},
		{"not x.y.z", `{"engine":"opentofu","version":"v1.12.6"}`, `"v1.12.6" is not x.y.z`},
		{"prerelease", `{"engine":"opentofu","version":"1.12.0-rc1"}`, "is not x.y.z"},
		{"unknown field", `{"engine":"opentofu","version":"1.12.6","binary":"tf"}`, `unknown field "binary"`},
		{"bad replace", `{"engine":"opentofu","version":"1.12.6","replace":{"github.com/hashicorp/hcl/v2":"x@v1"}}`, "each side must be path@version"},
		{"quote in replace", `{"engine":"opentofu","version":"1.12.6","replace":{"a@v1":"b@v1'; rm -rf /"}}`, "each side must be path@version"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse(%s) = %v; want an error containing %q", c.json, err, c.want)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	for _, c := range []struct{ json, binary, label string }{
		{`{"engine":"opentofu","version":"1.10.10"}`, "tofu", "OpenTofu v1.10.10"},
		{`{"engine":"terraform","version":"1.13.3"}`, "terraform", "Terraform v1.13.3"},
		{`{"engine":"terraform","version":"1.10.0"}`, "terraform", "Terraform v1.10.0"},
	} {
		e, err := Parse([]byte(c.json))
		if err != nil {
			t.Fatalf("Parse(%s): %v", c.json, err)
		}
		if e.Binary() != c.binary || e.Label() != c.label {
			t.Errorf("Parse(%s) = %s %s; want %s %s", c.json, e.Binary(), e.Label(), c.binary, c.label)
		}
	}
}

func TestBuildScriptNamesThePin(t *testing.T) {
	e, err := Parse([]byte(`{"engine":"opentofu","version":"1.12.6","replace":{"github.com/hashicorp/hcl/v2@v2.20.1":"github.com/opentofu/hcl/v2@v2.20.2-0.20251021132045-587d123c2828"}}`))
	if err != nil {
		t.Fatal(err)
	}
	s := e.BuildScript("/out/tofu")
	for _, want := range []string{
		"go mod edit -replace=github.com/hashicorp/hcl/v2@v2.20.1=github.com/opentofu/hcl/v2@v2.20.2-0.20251021132045-587d123c2828",
		"go get github.com/opentofu/opentofu/cmd/tofu@v1.12.6",
		"-X github.com/opentofu/opentofu/version.dev=no",
		"-o '/out/tofu' github.com/opentofu/opentofu/cmd/tofu",
		"[ \"$got\" = 'OpenTofu v1.12.6' ]",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("build script lacks %q:\n%s", want, s)
		}
	}
}

// The script's version check is real shell: a binary that reports another
// version fails the build, one that reports the pinned version passes.
func TestBuildScriptVersionCheck(t *testing.T) {
	e := Pinned()
	script := e.BuildScript("/unused")
	// Keep only the version check, run against fake binaries.
	check := script[strings.Index(script, "got=$("):strings.Index(script, "cd / &&")]
	dir := t.TempDir()
	for _, c := range []struct {
		prints string
		ok     bool
	}{{e.VersionLine(), true}, {e.Name() + " v0.0.1", false}, {e.VersionLine() + "-dev", false}} {
		fake := filepath.Join(dir, "fake")
		if err := os.WriteFile(fake, []byte("#!/bin/sh\necho '"+c.prints+"'\necho 'on linux_amd64'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("sh", "-c", strings.ReplaceAll(check, "'/unused'", "'"+fake+"'")).CombinedOutput()
		if (err == nil) != c.ok {
			t.Errorf("binary printing %q: err=%v (%s); want ok=%v", c.prints, err, out, c.ok)
		}
	}
}

// The module's image list (.dagger/images.json, which ci/airgap's mirror
// builds exactly) names the engine's image as Image derives it from the pin:
// a version bump in engine.json without the image fails here, naming both.
func TestImagesJSONNamesThePinnedImage(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "images.json"))
	if err != nil {
		t.Fatal(err)
	}
	var images map[string]string
	if err := json.Unmarshal(raw, &images); err != nil {
		t.Fatalf("images.json: %v", err)
	}
	if got, want := images["engine"], Pinned().Image(); got != want {
		t.Errorf(".dagger/images.json \"engine\" is %q; engine.json pins %s, whose image is %q", got, Pinned().Label(), want)
	}
	for name, ref := range images {
		if name != "engine" && strings.HasPrefix(ref, ImageNamespace+"/") {
			t.Errorf("images.json %q = %q: only the engine is built here under %s/", name, ref, ImageNamespace)
		}
	}
}

func TestImage(t *testing.T) {
	e, err := Parse([]byte(`{"engine":"terraform","version":"1.13.3"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Image(); got != "eventmall-airgap/terraform:1.13.3" {
		t.Errorf("Image() = %q", got)
	}
}

// docs/pipeline.md names the engine once, as the pin says: a version bump
// in engine.json without the docs fails here.
func TestPipelineDocNamesThePin(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "pipeline.md"))
	if err != nil {
		t.Skipf("docs/pipeline.md not in this tree: %v", err)
	}
	want := "[`.dagger/tfengine/engine.json`](../.dagger/tfengine/engine.json): **" + Pinned().Label() + "**"
	if !strings.Contains(strings.Join(strings.Fields(string(raw)), " "), want) {
		t.Errorf("docs/pipeline.md does not name the pinned engine as %q", want)
	}
}
