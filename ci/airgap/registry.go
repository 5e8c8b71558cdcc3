package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The local registry is Debian's docker-registry (distribution 2.8), run as
// a host process on the host's loopback (storeAddr), storing into the cache;
// the engine reaches it through the read-only front at docker0's address
// (front.go).

func registryConfig(cfg config, addr string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: false
http:
  addr: %s
`, cfg.path("registry", "data"), addr)
}

func registryPidFile(cfg config) string { return cfg.path("registry", "registry.pid") }

// ourRegistryPid returns the pid of the registry this tool started, if it still runs.
func ourRegistryPid(cfg config) int {
	b, err := os.ReadFile(registryPidFile(cfg))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), "docker-registry") {
		return 0
	}
	return pid
}

// registryAnswers tells whether a Docker registry API answers at addr.
func registryAnswers(addr string) bool {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + addr + "/v2/")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200 && strings.HasPrefix(resp.Header.Get("Docker-Distribution-Api-Version"), "registry/2")
}

func portOpen(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// ensureRegistry makes the mirror serve at addr (docker0's address), where
// the engine pulls, and returns the address the tool pushes its images to.
//
// The registry itself listens on cfg.store() (loopback) and the front
// (front.go) at addr: reads pass, writes only to rehearsal/. A registry
// started by an earlier version of this tool, listening at addr itself
// (writable by anything that reaches docker0), is left running while it
// runs, because other runs on the machine may be using it right now: the
// tool pushes to it as before and says so; the read-only layout takes effect
// when the registry is next started (after a reboot, or once it is stopped).
// One started with any other configuration (e.g. deletes on) is restarted.
// Either way the mirror must refuse deletes.
func ensureRegistry(cfg config, addr string) (string, error) {
	dir := cfg.path("registry")
	confPath := filepath.Join(dir, "config.yml")
	have, _ := os.ReadFile(confPath)
	pid := ourRegistryPid(cfg)
	if pid != 0 && string(have) == registryConfig(cfg, addr) && registryAnswers(addr) {
		logf("  WARN: the registry (pid %d) runs as an earlier version of this tool started it: at %s itself, where anything on the host may push; kept running (other runs may be using it). It becomes read-only to all but this tool when it is next started (stop it with 'kill %d', then run up)\n", pid, addr, pid)
		return addr, checkRegistryRefusesDeletes(addr)
	}
	if pid != 0 && (string(have) != registryConfig(cfg, cfg.store()) || !registryAnswers(cfg.store())) {
		logf("  restarting the registry (pid %d): its configuration changed\n", pid)
		if err := stopProcess(pid, "docker-registry"); err != nil {
			return "", err
		}
		pid = 0
	}
	if pid == 0 {
		if err := startRegistry(cfg, cfg.store()); err != nil {
			return "", err
		}
	}
	if err := ensureFront(cfg, addr, cfg.store()); err != nil {
		return "", err
	}
	for _, a := range []string{cfg.store(), addr} {
		if err := checkRegistryRefusesDeletes(a); err != nil {
			return "", err
		}
	}
	if err := checkMirrorReadOnly(addr); err != nil {
		return "", err
	}
	return cfg.store(), nil
}

// startRegistry starts docker-registry listening at addr, storing into the cache.
func startRegistry(cfg config, addr string) error {
	dir := cfg.path("registry")
	confPath := filepath.Join(dir, "config.yml")
	if portOpen(addr) {
		return failf("port %s is in use by something that is not eventmall's registry: stop it or free that port", addr)
	}
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return failf("docker-registry is not installed (apt-get install docker-registry)")
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.path("logs"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(confPath, []byte(registryConfig(cfg, addr)), 0o644); err != nil {
		return err
	}
	logFile := cfg.path("logs", "registry.log")
	lf, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer lf.Close()
	cmd := exec.Command(bin, "serve", confPath)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting docker-registry: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := os.WriteFile(registryPidFile(cfg), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		return err
	}
	deadline := time.After(20 * time.Second)
	for !registryAnswers(addr) {
		select {
		case err := <-done:
			return failf("local registry exited at start (%v): %s", err, tailFile(logFile, 2))
		case <-deadline:
			return failf("local registry does not answer at %s: %s", addr, tailFile(logFile, 2))
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// checkRegistryRefusesDeletes fails unless the registry refuses deletes.
func checkRegistryRefusesDeletes(addr string) error {
	refuses, err := registryRefusesDeletes(addr)
	if err != nil {
		return failf("local registry %s does not answer: %v", addr, err)
	}
	if !refuses {
		return failf("local registry %s accepts deletes: an image of the mirror could be deleted and replaced by anything on the host", addr)
	}
	return nil
}

// mirrorHas tells whether the registry at addr holds repo:tag.
func mirrorHas(addr, repo, tag string) (bool, error) {
	_, ok, err := mirrorDigest(addr, repo, tag)
	return ok, err
}

// mirrorDigest is the digest of the manifest repo:tag points at in the
// registry at addr (Docker-Content-Digest); ok is false when it has none.
func mirrorDigest(addr, repo, tag string) (digest string, ok bool, err error) {
	req, _ := http.NewRequest(http.MethodHead, fmt.Sprintf("http://%s/v2/%s/manifests/%s", addr, repo, tag), nil)
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.docker.distribution.manifest.v2+json",
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.image.manifest.v1+json",
		"application/vnd.oci.image.index.v1+json",
	}, ", "))
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return "", false, err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return "", false, nil
	}
	return resp.Header.Get("Docker-Content-Digest"), true, nil
}

// registryRefusesDeletes asks the registry at addr to delete a manifest no
// image has (the all-zero digest): a registry with deletes off answers 405
// Method Not Allowed, the read-only front 403 DENIED; one with deletes on,
// 404 (so nothing is ever deleted).
func registryRefusesDeletes(addr string) (bool, error) {
	req, _ := http.NewRequest(http.MethodDelete,
		fmt.Sprintf("http://%s/v2/library/debian/manifests/sha256:%s", addr, strings.Repeat("0", 64)), nil)
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusForbidden, nil
}
