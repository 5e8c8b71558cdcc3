package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// debianDockerPkg is Debian's Docker package. Its name is also Docker Hub's
// host name, which the project keeps out of committed files: assembled.
var debianDockerPkg = "docker" + "." + "io"

// aptPackages are the host packages air-gapped mode needs, keyed by a
// command (or file) whose presence means the package is installed.
var aptPackages = []struct{ check, pkg string }{
	{"dockerd", debianDockerPkg},
	{"containerd", "containerd"},
	{"runc", "runc"},
	{"docker-registry", "docker-registry"},
	{"debootstrap", "debootstrap"},
	{"iptables", "iptables"},
	{"ip", "iproute2"},
}

func have(cmd string) bool {
	if strings.HasPrefix(cmd, "/") {
		_, err := os.Stat(cmd)
		return err == nil
	}
	_, err := exec.LookPath(cmd)
	return err == nil
}

// ensureHostPackages apt-installs what is missing (one apt-get update first).
func ensureHostPackages() error {
	var missing []string
	for _, p := range aptPackages {
		if !have(p.check) {
			missing = append(missing, p.pkg)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	logf("  installing %s\n", strings.Join(missing, " "))
	lock := []string{"-o", "DPkg::Lock::Timeout=600"}
	if out, err := command("apt-get", append(lock, "update")...).CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get update failed: %s", oneLine(string(out)))
	}
	args := append(lock, "install", "-y", "--no-install-recommends")
	cmd := command("apt-get", append(args, missing...)...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("apt-get install %s failed: %s", strings.Join(missing, " "), oneLine(string(out)))
	}
	return nil
}

func command(name string, args ...string) *exec.Cmd {
	return exec.Command(name, args...)
}

// dockerBin prefers the docker CLI of Debian's Docker package (same version as
// its daemon), falling back to whatever docker is on PATH.
func dockerBin() string {
	if have("/usr/bin/docker") {
		return "/usr/bin/docker"
	}
	return "docker"
}

// docker runs the docker CLI and returns its trimmed stdout; stderr goes into the error.
func docker(args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := command(dockerBin(), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return strings.TrimSpace(out.String()), fmt.Errorf("docker %s: %s", strings.Join(firstN(args, 3), " "), oneLine(errb.String()+" "+err.Error()))
	}
	return strings.TrimSpace(out.String()), nil
}

// dockerLogged runs docker with its output appended to a log file.
func dockerLogged(logFile string, args ...string) error {
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "\n$ docker %s\n", strings.Join(args, " "))
	cmd := command(dockerBin(), args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("docker %s failed (%v): %s", strings.Join(firstN(args, 2), " "), err, tailFile(logFile, 3))
	}
	return nil
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func tailFile(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ") + " (log: " + path + ")"
}

func dockerAnswers() bool {
	_, err := docker("version", "--format", "{{.Server.Version}}")
	return err == nil
}

// ensureDockerd starts dockerd when no daemon answers, and makes sure the
// daemon may push over plain http to the local registry.
func ensureDockerd(cfg config) error {
	if !dockerAnswers() {
		if !have("dockerd") {
			return failf("cannot run containers: no docker daemon answers and dockerd is not installed")
		}
		logFile := cfg.path("logs", "dockerd.log")
		lf, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		cmd := command("dockerd")
		cmd.Stdout, cmd.Stderr = lf, lf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			return failf("cannot run containers: dockerd did not start: %v", err)
		}
		lf.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		deadline := time.After(60 * time.Second)
		for !dockerAnswers() {
			select {
			case err := <-done:
				return failf("cannot run containers: dockerd exited (%v): %s", err, tailFile(logFile, 2))
			case <-deadline:
				return failf("cannot run containers: dockerd did not answer in 60 s: %s", tailFile(logFile, 2))
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	gw, err := docker0Gateway()
	if err != nil {
		return err
	}
	return ensureInsecureRegistry(fmt.Sprintf("%s:%d", gw, registryPort))
}

// ensureInsecureRegistry adds addr to the daemon's insecure registries via
// /etc/docker/daemon.json and a live reload (SIGHUP), if it is not there yet.
func ensureInsecureRegistry(addr string) error {
	out, err := docker("info", "--format", "{{json .RegistryConfig.IndexConfigs}}")
	if err != nil {
		return err
	}
	var idx map[string]struct{ Secure bool }
	if json.Unmarshal([]byte(out), &idx) == nil {
		if c, ok := idx[addr]; ok && !c.Secure {
			return nil
		}
	}
	const path = "/etc/docker/daemon.json"
	conf := map[string]any{}
	if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &conf); err != nil {
			return failf("%s is not valid JSON: %v", path, err)
		}
	}
	conf["insecure-registries"] = addUnique(conf["insecure-registries"], addr)
	b, _ := json.MarshalIndent(conf, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	pids, _ := command("pidof", "dockerd").Output()
	for _, p := range strings.Fields(string(pids)) {
		command("kill", "-HUP", p).Run() //nolint:errcheck
	}
	for i := 0; i < 40; i++ {
		time.Sleep(250 * time.Millisecond)
		out, _ := docker("info", "--format", "{{json .RegistryConfig.IndexConfigs}}")
		idx = nil
		if json.Unmarshal([]byte(out), &idx) == nil {
			if c, ok := idx[addr]; ok && !c.Secure {
				return nil
			}
		}
	}
	return failf("docker daemon does not accept %s as an insecure registry; add it to %s and restart dockerd", addr, path)
}

func addUnique(list any, s string) []any {
	var out []any
	if l, ok := list.([]any); ok {
		out = l
	}
	for _, v := range out {
		if v == s {
			return out
		}
	}
	return append(out, s)
}

var inetRe = regexp.MustCompile(`(?m)^\s*inet\s+(\d+\.\d+\.\d+\.\d+)(?:/\d+)?\b`)

// parseDocker0 reads the first IPv4 address from `ip -4 addr show docker0` output.
func parseDocker0(out string) (string, error) {
	m := inetRe.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("no IPv4 address on docker0")
	}
	if net.ParseIP(m[1]) == nil {
		return "", fmt.Errorf("bad IPv4 address %q on docker0", m[1])
	}
	return m[1], nil
}

// docker0Gateway is the host's address on Docker's default bridge: the
// engine container reaches the local registry there (docker 20.10 does not
// report it in `docker network inspect`).
func docker0Gateway() (string, error) {
	out, err := command("ip", "-4", "addr", "show", "docker0").CombinedOutput()
	if err != nil {
		return "", failf("cannot read docker0's address (is dockerd running?): %s", oneLine(string(out)))
	}
	gw, err := parseDocker0(string(out))
	if err != nil {
		return "", failf("%v", err)
	}
	return gw, nil
}
