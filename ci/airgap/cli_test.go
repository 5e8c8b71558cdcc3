package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// The one pin of the Dagger release: the build module requires it (CLI and
// SDK), DaggerVersion stamps it and dagger.json runs it.
func TestBuildModulePinsDaggerVersion(t *testing.T) {
	path := filepath.Join("daggerbuild", "go.mod")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.ParseLax(path, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range mf.Require {
		got[r.Mod.Path] = r.Mod.Version
	}
	for _, p := range []string{"github.com/dagger/dagger", "dagger.io/dagger"} {
		if got[p] != DaggerVersion {
			t.Errorf("%s requires %s %q; DaggerVersion is %s", path, p, got[p], DaggerVersion)
		}
	}
	var dj struct {
		EngineVersion string `json:"engineVersion"`
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "dagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dj); err != nil {
		t.Fatal(err)
	}
	if dj.EngineVersion != DaggerVersion {
		t.Errorf("dagger.json engineVersion %q; DaggerVersion is %s", dj.EngineVersion, DaggerVersion)
	}
}

func TestCheckCLIVersion(t *testing.T) {
	if err := checkCLIVersion("dagger " + DaggerVersion + " (eventmall) linux/amd64\n"); err != nil {
		t.Errorf("the pinned version refused: %v", err)
	}
	for _, bad := range []string{"dagger v0.0.0-dev (x) linux/amd64", "dagger devel", "", "dagger v0.19.8 (x) linux/amd64"} {
		if err := checkCLIVersion(bad); err == nil {
			t.Errorf("%q accepted as %s", bad, DaggerVersion)
		}
	}
}

// The CLI is built with the checksum-verifying environment of the engine
// build; only the toolchain choice differs (auto: a CI machine's older Go
// fetches the one the go line names).
func TestCLIBuildEnvKeepsVerification(t *testing.T) {
	env := strings.Join(cliBuildEnv(), " ")
	for _, want := range []string{"-mod=readonly", "GOTOOLCHAIN=auto", "CGO_ENABLED=0", "GOWORK=off"} {
		if !strings.Contains(env, want) {
			t.Errorf("cli build env %q lacks %s", env, want)
		}
	}
	if strings.Contains(env, "GOSUMDB=off") || strings.Contains(env, "GOFLAGS=-mod=mod") {
		t.Errorf("cli build env %q turns verification off", env)
	}
}

func TestOutFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
		ok   bool
	}{
		{[]string{"--out", "/x/bin"}, "/x/bin", true},
		{[]string{"--out=/y"}, "/y", true},
		{nil, "", true}, // cmdCLI names the missing --out
		{[]string{"/x/bin"}, "", false},
	} {
		got, err := outFlag(c.args)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("outFlag(%q) = %q, %v", c.args, got, err)
		}
	}
}
