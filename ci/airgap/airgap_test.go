package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// moduleImages reads the module's image list (.dagger/images.json, which
// the module embeds): every value is an image reference.
func moduleImages(t *testing.T) []string {
	t.Helper()
	path := filepath.Join("..", "..", ".dagger", "images.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var byName map[string]string
	if err := json.Unmarshal(raw, &byName); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var refs []string
	for _, ref := range byName {
		refs = append(refs, ref)
	}
	if len(refs) == 0 {
		t.Fatalf("%s lists no image", path)
	}
	return refs
}

func TestParityWithModuleImages(t *testing.T) {
	want := moduleImages(t)
	got := moduleImageRefs()
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("ci/airgap mirrors a different image list than .dagger/images.json\nmodule: %v\nairgap: %v", want, got)
	}
}

func TestRecipesAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range recipes {
		if seen[r.Ref] {
			t.Errorf("%s has two recipes", r.Ref)
		}
		seen[r.Ref] = true
		if _, _, err := mirrorPath(r.Ref); err != nil {
			t.Error(err)
		}
		if r.About == "" {
			t.Errorf("%s: no About line", r.Ref)
		}
		if r.Ref == baseRef {
			continue
		}
		if !strings.HasPrefix(r.Dockerfile, "FROM {{BASE}}") {
			t.Errorf("%s: Dockerfile must start FROM {{BASE}}", r.Ref)
		}
		// The operator's CA may only be used in a build stage, never in the final one.
		stages := strings.Split(r.Dockerfile, "\nFROM ")
		if final := stages[len(stages)-1]; strings.Contains(final, "extra-ca") {
			t.Errorf("%s: final stage uses extra-ca/: the proxy CA would ship in the image", r.Ref)
		}
	}
	if !seen[baseRef] {
		t.Errorf("no recipe for the base %s", baseRef)
	}
}

func TestMirrorPath(t *testing.T) {
	cases := []struct{ ref, repo, tag string }{
		{"node:22.23.3-bookworm-slim", "library/node", "22.23.3-bookworm-slim"},
		{"hashicorp/terraform:1.5.7", "hashicorp/terraform", "1.5.7"},
		{"eventmall-airgap/opentofu:1.12.6", "eventmall-airgap/opentofu", "1.12.6"},
		{"motoserver/moto:5.2.5", "motoserver/moto", "5.2.5"},
	}
	for _, c := range cases {
		repo, tag, err := mirrorPath(c.ref)
		if err != nil || repo != c.repo || tag != c.tag {
			t.Errorf("mirrorPath(%q) = %q, %q, %v; want %q, %q", c.ref, repo, tag, err, c.repo, c.tag)
		}
	}
	for _, bad := range []string{"node", "quay.example/x/y:1", "localhost/x:1", "node:"} {
		if _, _, err := mirrorPath(bad); err == nil {
			t.Errorf("mirrorPath(%q) should fail", bad)
		}
	}
}

func TestRenderEngineToml(t *testing.T) {
	got := renderEngineToml("172.17.0.1:5000")
	for _, want := range []string{
		`[registry."` + dockerHubHost + `"]`,
		`mirrors = ["172.17.0.1:5000"]`,
		`[registry."172.17.0.1:5000"]`,
		`http = true`,
		`insecure = true`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("engine.toml lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(dockerHubHost, ".") != 1 || !strings.HasPrefix(dockerHubHost, "docker") {
		t.Errorf("dockerHubHost = %q", dockerHubHost)
	}
}

func TestParseDocker0(t *testing.T) {
	out := `3: docker0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default
    inet 172.17.0.1/16 brd 172.17.255.255 scope global docker0
       valid_lft forever preferred_lft forever
`
	gw, err := parseDocker0(out)
	if err != nil || gw != "172.17.0.1" {
		t.Errorf("parseDocker0 = %q, %v", gw, err)
	}
	if gw, err := parseDocker0("    inet 10.200.0.1/24 scope global docker0\n    inet 10.9.9.9/8 scope global secondary docker0"); err != nil || gw != "10.200.0.1" {
		t.Errorf("first address: %q, %v", gw, err)
	}
	if _, err := parseDocker0(`Device "docker0" does not exist.`); err == nil {
		t.Error("no address must be an error")
	}
	if _, err := parseDocker0("    inet6 fe80::1/64 scope link"); err == nil {
		t.Error("IPv6 only must be an error")
	}
}

func TestParseDockerPS(t *testing.T) {
	out := `{"Names":"eventmall-dagger-engine","Image":"eventmall-airgap/dagger-engine:v0.19.7","Labels":"eventmall.airgap.dagger-version=v0.19.7,eventmall.airgap.recipe=abc","State":"running"}
{"Names":"dagger-engine-v0.18.2","Image":"registry.example/dagger/engine:v0.18.2","Labels":"","State":"exited"}
`
	cs, err := parseDockerPS(out)
	if err != nil || len(cs) != 2 {
		t.Fatalf("parseDockerPS: %v, %d", err, len(cs))
	}
	if cs[0].Labels[versionLabel] != "v0.19.7" || !cs[0].Running || cs[1].Running {
		t.Errorf("parsed %+v", cs)
	}
}

func TestEngineConflict(t *testing.T) {
	ours := func(v string) containerInfo {
		return containerInfo{Name: engineContainer, Image: engineImageRepo + ":" + v, Labels: map[string]string{versionLabel: v}, Running: true}
	}
	other := func(name, image string, running bool) containerInfo {
		return containerInfo{Name: name, Image: image, Labels: map[string]string{}, Running: running}
	}
	cases := []struct {
		name     string
		cs       []containerInfo
		conflict string // substring of the error, "" for none
	}{
		{"nothing", nil, ""},
		{"ours, same version", []containerInfo{ours("v0.19.7")}, ""},
		{"ours, other version", []containerInfo{ours("v0.18.19")}, "runs dagger engine v0.18.19, not v0.19.7"},
		{"our name, foreign image", []containerInfo{other(engineContainer, "nginx:1", true)}, "unknown version"},
		{"CLI-started engine of another version", []containerInfo{ours("v0.19.7"), other("dagger-engine-v0.20.1", "registry.example/dagger/engine:v0.20.1", true)}, "another dagger engine (v0.20.1"},
		{"stopped engine of another version", []containerInfo{other("dagger-engine-v0.20.1", "registry.example/dagger/engine:v0.20.1", false)}, ""},
		{"engine of the same version", []containerInfo{other("dagger-engine-v0.19.7", "registry.example/dagger/engine:v0.19.7", true)}, ""},
		{"versioned by name only", []containerInfo{other("dagger-engine-v0.16.3", "someimage@sha256:abc", true)}, "v0.16.3"},
		{"unrelated containers", []containerInfo{other("db", "mariadb:10.11", true), other("web", "node:22", true)}, ""},
	}
	for _, c := range cases {
		err := engineConflict(c.cs, engineContainer, "v0.19.7")
		switch {
		case c.conflict == "" && err != nil:
			t.Errorf("%s: unexpected conflict: %v", c.name, err)
		case c.conflict != "" && err == nil:
			t.Errorf("%s: conflict not detected", c.name)
		case c.conflict != "" && !strings.Contains(err.Error(), c.conflict):
			t.Errorf("%s: error %q lacks %q", c.name, err, c.conflict)
		}
	}
}

func TestEngineRunArgs(t *testing.T) {
	dir := t.TempDir()
	ca := filepath.Join(dir, "proxy.crt")
	if err := os.WriteFile(ca, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	args, err := engineRunArgs(config{Cache: dir, ExtraCA: dir}, "/c/engine.toml", "h")
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(args, " ")
	for _, want := range []string{"--cap-drop SYS_RESOURCE", engineVolume + ":/var/lib/dagger", ca + ":/usr/local/share/ca-certificates/00-proxy.crt:ro", "/c/engine.toml:/etc/dagger/engine.toml:ro"} {
		if !strings.Contains(joined, want) {
			t.Errorf("run args lack %q: %s", want, joined)
		}
	}
	if strings.Contains(joined, "--privileged") {
		t.Error("--privileged fails on these hosts")
	}
	if args[len(args)-1] != engineImageTag() {
		t.Errorf("last arg %q is not the image", args[len(args)-1])
	}
	noCA, _ := engineRunArgs(config{Cache: dir}, "/c/engine.toml", "h")
	if strings.Contains(strings.Join(noCA, " "), "ca-certificates") {
		t.Error("no CA must be mounted when the operator gives none")
	}
}

func TestSourcesFor(t *testing.T) {
	s := sourcesFor("http://mirror.example/debian")
	if !strings.Contains(s, "URIs: http://mirror.example/debian-security") || !strings.Contains(s, "Suites: bookworm bookworm-updates") {
		t.Errorf("sources:\n%s", s)
	}
}

func TestEntrypointScriptsParse(t *testing.T) {
	dir := t.TempDir()
	b := &buildContext{Dir: dir}
	if err := prepareMariaDB(b); err != nil {
		t.Fatal(err)
	}
	mc := &buildContext{Dir: t.TempDir()}
	if err := prepareMemcached(mc); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sh", "-n", filepath.Join(mc.Dir, "docker-entrypoint.sh")).CombinedOutput(); err != nil {
		t.Errorf("sh -n (memcached): %v: %s", err, out)
	}
	for _, sh := range []string{"bash", "sh"} {
		if _, err := exec.LookPath(sh); err != nil {
			t.Skip(sh + " not installed")
		}
	}
	if out, err := exec.Command("bash", "-n", filepath.Join(dir, "docker-entrypoint.sh")).CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v: %s", err, out)
	}
	// the SQL quoting helpers, run for real
	script := `eval "$(sed -n '/^env_or()/,/^sql_id()/p' ` + filepath.Join(dir, "docker-entrypoint.sh") + `)"
sql_str "it's a \\ test"; echo
sql_id 'we` + "`" + `ird'; echo
MYSQL_DATABASE=alias; env_or DATABASE none
MARIADB_DATABASE=main; env_or DATABASE none`
	out, err := exec.Command("bash", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("helpers: %v: %s", err, out)
	}
	want := "'it\\'s a \\\\ test'\n`we``ird`\nalias\nmain"
	if strings.TrimSpace(string(out)) != want {
		t.Errorf("helpers printed\n%s\nwant\n%s", out, want)
	}
}

// A second engine gets its own container and state volume; the shared one keeps its names.
func TestEngineNames(t *testing.T) {
	if c, v := engineNames(""); c != "eventmall-dagger-engine" || v != "eventmall-dagger-state" {
		t.Errorf("default engine: %s %s", c, v)
	}
	if c, v := engineNames("bench1"); c != "eventmall-dagger-engine-bench1" || v != "eventmall-dagger-state-bench1" {
		t.Errorf("named engine: %s %s", c, v)
	}
	for _, bad := range []string{"Bench", "a/b", "x y", strings.Repeat("a", 33)} {
		if validEngineName(bad) {
			t.Errorf("%q accepted as an engine name", bad)
		}
	}
	for _, ok := range []string{"", "bench-42"} {
		if !validEngineName(ok) {
			t.Errorf("%q refused as an engine name", ok)
		}
	}
}
