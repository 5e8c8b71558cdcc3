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
// a host process on docker0's address, storing into the cache.

func registryConfig(cfg config, addr string) string {
	return fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
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

// ensureRegistry starts the local registry at addr unless ours already runs.
func ensureRegistry(cfg config, addr string) error {
	if ourRegistryPid(cfg) != 0 && registryAnswers(addr) {
		return nil
	}
	if portOpen(addr) {
		return failf("port %s is in use by something that is not eventmall's registry: stop it or free port %d", addr, registryPort)
	}
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return failf("docker-registry is not installed (apt-get install docker-registry)")
	}
	dir := cfg.path("registry")
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return err
	}
	confPath := filepath.Join(dir, "config.yml")
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
