package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// privateMirror brings up the mirror as `up` does, on a private cache and
// private loopback ports: the real docker-registry on store and the front
// (built from ci/airgap/regfront) on front. Nothing of the machine's shared
// registry or engine is touched.
func privateMirror(t *testing.T) (cfg config, front, store string) {
	t.Helper()
	if _, err := exec.LookPath("docker-registry"); err != nil {
		t.Fatal("docker-registry is needed (apt-get install docker-registry): the test runs the mirror's real registry")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cfg = config{Cache: t.TempDir(), RepoDir: repo, Store: freeAddr(t)}
	front = freeAddr(t)
	t.Cleanup(func() { stopOurs(cfg) })
	push, err := ensureRegistry(cfg, front)
	if err != nil {
		t.Fatal(err)
	}
	if push != cfg.Store {
		t.Fatalf("the tool pushes to %s, want the registry's own loopback address %s", push, cfg.Store)
	}
	return cfg, front, cfg.Store
}

// stopOurs stops the registry and the front a test started.
func stopOurs(cfg config) {
	if pid, _ := ourFront(cfg); pid != 0 {
		_ = stopProcess(pid, frontName)
	}
	if pid := ourRegistryPid(cfg); pid != 0 {
		_ = stopProcess(pid, "docker-registry")
	}
}

type pushResult struct {
	status int    // the first answer that was not a success, or the manifest's 201
	code   string // the registry error code of that answer, if any
	digest string // the manifest's digest when it was stored
}

// pushImage pushes a one-layer OCI image to addr/repo:tag with the registry
// API, as docker push and the engine do: blob uploads (POST, then PUT with
// the digest) and the manifest (PUT).
func pushImage(t *testing.T, addr, repo, tag string, layer []byte) pushResult {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	fail := func(resp *http.Response) pushResult {
		var body struct {
			Errors []struct{ Code string } `json:"errors"`
		}
		b, _ := io.ReadAll(resp.Body)
		json.Unmarshal(b, &body) //nolint:errcheck // the code is optional
		r := pushResult{status: resp.StatusCode}
		if len(body.Errors) > 0 {
			r.code = body.Errors[0].Code
		}
		return r
	}
	blob := func(b []byte) (string, *pushResult) {
		d := "sha256:" + hex.EncodeToString(sha256Sum(b))
		resp, err := c.Post(fmt.Sprintf("http://%s/v2/%s/blobs/uploads/", addr, repo), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			r := fail(resp)
			return "", &r
		}
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if loc.Host != addr {
			t.Fatalf("the upload continues at %s, not at %s where it started: the client would bypass the front", loc.Host, addr)
		}
		q := loc.Query()
		q.Set("digest", d)
		loc.RawQuery = q.Encode()
		req, _ := http.NewRequest(http.MethodPut, loc.String(), bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/octet-stream")
		resp2, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp2.Body.Close()
		if resp2.StatusCode != http.StatusCreated {
			r := fail(resp2)
			return "", &r
		}
		return d, nil
	}
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	cd, r := blob(config)
	if r != nil {
		return *r
	}
	ld, r := blob(layer)
	if r != nil {
		return *r
	}
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": len(layer)}},
	})
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("http://%s/v2/%s/manifests/%s", addr, repo, tag), bytes.NewReader(manifest))
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fail(resp)
	}
	return pushResult{status: resp.StatusCode, digest: resp.Header.Get("Docker-Content-Digest")}
}

func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// The mirror is read-only to everything but the tool (issue 16, finding 8):
// through the address the engine and every container on the host reach, a
// push of node:… is refused and the mirror keeps serving the tool's image;
// the tool's own push (to the registry on loopback) and the rehearsal's push
// to its ECR stand-in (rehearsal/) still work, and so does every read.
func TestMirrorRefusesPushesFromOutsideTheTool(t *testing.T) {
	_, front, store := privateMirror(t)

	// The tool's push: to the registry itself, on loopback.
	tool := pushImage(t, store, "library/node", "22.23.3-bookworm-slim", []byte("the tool's layer"))
	if tool.status != http.StatusCreated || tool.digest == "" {
		t.Fatalf("the tool's push to the registry on loopback failed: %+v", tool)
	}
	// The engine's pull: through the front.
	if !registryAnswers(front) {
		t.Fatal("the front does not answer as a registry")
	}
	d, ok, err := mirrorDigest(front, "library/node", "22.23.3-bookworm-slim")
	if err != nil || !ok || d != tool.digest {
		t.Fatalf("through the front library/node:22.23.3-bookworm-slim is %q (found %v, %v), want the tool's %s", d, ok, err, tool.digest)
	}

	// Anyone else's push, through the front: refused at the first request.
	evil := pushImage(t, front, "library/node", "22.23.3-bookworm-slim", []byte("a build step's layer"))
	if evil.status != http.StatusForbidden || evil.code != "DENIED" {
		t.Errorf("a push of library/node through the front answered %d %s, want 403 DENIED", evil.status, evil.code)
	}
	for _, repo := range []string{"hashicorp/terraform", "library/debian", "rehearsal/../library/node"} {
		if r := pushImage(t, front, repo, "x", []byte("other")); r.status != http.StatusForbidden {
			t.Errorf("a push of %s through the front answered %d, want 403", repo, r.status)
		}
	}
	if d, _, _ := mirrorDigest(front, "library/node", "22.23.3-bookworm-slim"); d != tool.digest {
		t.Errorf("after the refused push the mirror serves %s, want the tool's %s", d, tool.digest)
	}
	if refuses, err := registryRefusesPushes(front); err != nil || !refuses {
		t.Errorf("the push probe sees the front as writable (%v)", err)
	}
	// The probe writes nothing on a writable registry either (manifest invalid).
	if refuses, err := registryRefusesPushes(store); err != nil || refuses {
		t.Errorf("the push probe sees the registry on loopback as read-only (%v)", err)
	}
	if has, _ := mirrorHas(store, "library/debian", "eventmall-push-probe"); has {
		t.Error("the push probe stored a manifest")
	}
	for _, a := range []string{front, store} {
		if refuses, err := registryRefusesDeletes(a); err != nil || !refuses {
			t.Errorf("%s accepts deletes (%v)", a, err)
		}
	}

	// The rehearsal's ECR stand-in stays writable through the front.
	reh := pushImage(t, front, "rehearsal/eventmall-backend", "img-0123", []byte("the rehearsal's layer"))
	if reh.status != http.StatusCreated {
		t.Errorf("the rehearsal's push to rehearsal/ through the front failed: %+v", reh)
	}
	if d, ok, _ := mirrorDigest(front, "rehearsal/eventmall-backend", "img-0123"); !ok || d != reh.digest {
		t.Errorf("rehearsal/eventmall-backend:img-0123 reads back as %q, want %s", d, reh.digest)
	}

	// The registry itself is not where containers reach: it listens on loopback only.
	host, _, _ := net.SplitHostPort(store)
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		t.Errorf("the registry listens on %s, not on loopback", store)
	}
}

// A registry an earlier version of the tool started at the mirror's address
// (writable) is kept running as it is: other runs may be pulling from it;
// the tool goes on pushing there and warns. A fresh start is read-only.
func TestRunningWritableRegistryIsKept(t *testing.T) {
	if _, err := exec.LookPath("docker-registry"); err != nil {
		t.Fatal("docker-registry is needed (apt-get install docker-registry)")
	}
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	cfg := config{Cache: t.TempDir(), RepoDir: repo, Store: freeAddr(t)}
	t.Cleanup(func() { stopOurs(cfg) })
	mirror := freeAddr(t)
	// as the earlier tool did: the registry itself at the mirror's address
	if err := startRegistry(cfg, mirror); err != nil {
		t.Fatal(err)
	}
	pid := ourRegistryPid(cfg)
	push, err := ensureRegistry(cfg, mirror)
	if err != nil {
		t.Fatal(err)
	}
	if push != mirror || ourRegistryPid(cfg) != pid {
		t.Errorf("the running registry (pid %d) was not kept: push to %s, pid now %d", pid, push, ourRegistryPid(cfg))
	}
	if fp, _ := ourFront(cfg); fp != 0 {
		t.Errorf("a front (pid %d) was started beside the kept registry", fp)
	}
	// Once it is stopped, the next up starts the read-only layout.
	if err := stopProcess(pid, "docker-registry"); err != nil {
		t.Fatal(err)
	}
	push, err = ensureRegistry(cfg, mirror)
	if err != nil {
		t.Fatal(err)
	}
	if push != cfg.Store {
		t.Errorf("after a restart the tool pushes to %s, want %s", push, cfg.Store)
	}
	if refuses, _ := registryRefusesPushes(mirror); !refuses {
		t.Error("after a restart the mirror still accepts pushes")
	}
	// A second up changes nothing: same registry, same front.
	rp, fp := ourRegistryPid(cfg), 0
	fp, _ = ourFront(cfg)
	if _, err := ensureRegistry(cfg, mirror); err != nil {
		t.Fatal(err)
	}
	if p, _ := ourFront(cfg); p != fp || ourRegistryPid(cfg) != rp {
		t.Errorf("a second up restarted something: registry %d -> %d, front %d -> %d", rp, ourRegistryPid(cfg), fp, p)
	}
}
