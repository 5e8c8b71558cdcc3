package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeProxy lays out a GOPROXY=file:// folder serving example.com/pinned
// v1.0.0 (one package with one exported constant).
func fakeProxy(t *testing.T, dir string) {
	t.Helper()
	v := filepath.Join(dir, "example.com", "pinned", "@v")
	if err := os.MkdirAll(v, 0o755); err != nil {
		t.Fatal(err)
	}
	mod := "module example.com/pinned\n\ngo 1.21\n"
	for name, body := range map[string]string{
		"list":        "v1.0.0\n",
		"v1.0.0.info": `{"Version":"v1.0.0","Time":"2026-01-01T00:00:00Z"}`,
		"v1.0.0.mod":  mod,
	} {
		if err := os.WriteFile(filepath.Join(v, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(v, "v1.0.0.zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{
		"go.mod":    mod,
		"pinned.go": "package pinned\n\nconst Answer = 42\n",
	} {
		w, err := zw.Create("example.com/pinned@v1.0.0/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// buildWithDaggerEnv builds a module depending on example.com/pinned with
// the environment the Dagger binaries are built with, go.sum as given.
func buildWithDaggerEnv(t *testing.T, gosum string) (string, error) {
	t.Helper()
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	fakeProxy(t, proxy)
	src := filepath.Join(tmp, "src")
	os.MkdirAll(src, 0o755)
	files := map[string]string{
		"go.mod":  "module example.com/build\n\ngo 1.21\n\nrequire example.com/pinned v1.0.0\n",
		"main.go": "package main\n\nimport \"example.com/pinned\"\n\nfunc main() { println(pinned.Answer) }\n",
	}
	if gosum != "" {
		files["go.sum"] = gosum
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(tmp, "out"), ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOPROXY=file://"+proxy, "GOMODCACHE="+filepath.Join(tmp, "modcache"),
		"GOFLAGS=", "GONOSUMDB=", "GONOSUMCHECK=", "GOPRIVATE=", "GOINSECURE=")
	cmd.Env = append(cmd.Env, daggerBuildEnv()...)
	out, err := cmd.CombinedOutput()
	// the module cache is read-only; let t.TempDir clean it
	exec.Command("chmod", "-R", "u+w", tmp).Run()
	return string(out), err
}

// The Dagger binaries are built with go.sum verification on: a dependency
// whose hash go.sum does not hold is refused (not fetched and trusted), and
// one whose download differs from go.sum's hash is refused too.
func TestDaggerBuildVerifiesGoSum(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("the go command is needed")
	}
	out, err := buildWithDaggerEnv(t, "")
	if err == nil {
		t.Errorf("a module missing from go.sum was fetched and built unchecked (env %v)", daggerBuildEnv())
	} else if !strings.Contains(out, "missing go.sum entry") {
		t.Errorf("want a missing go.sum entry error, got: %v\n%s", err, out)
	}
	wrong := "example.com/pinned v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" +
		"example.com/pinned v1.0.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	out, err = buildWithDaggerEnv(t, wrong)
	if err == nil || !strings.Contains(out, "checksum mismatch") {
		t.Errorf("want a checksum mismatch for a tampered download, got: %v\n%s", err, out)
	}
}
