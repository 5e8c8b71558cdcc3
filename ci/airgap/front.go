package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The mirror is read-only to everything but this tool: the registry that
// stores it listens on the host's loopback (storeAddr), where only host
// processes reach it and the tool pushes; the engine reaches the mirror at
// docker0's address through the front (ci/airgap/regfront), which passes on
// reads and refuses every write but those to the rehearsal's ECR stand-in
// (rehearsal/).

// storeAddr is where the registry itself listens: loopback, unreachable from
// containers (the engine's build steps run in the engine's network namespace).
// Docker treats 127.0.0.0/8 as an insecure registry without configuration.
const storeAddr = "127.0.0.1:5001"

// store is the registry's own address (tests give another).
func (c config) store() string {
	if c.Store != "" {
		return c.Store
	}
	return storeAddr
}

// writablePrefixes are the repositories the front lets anyone write: the
// rehearsal publishes its images there as an ECR stand-in.
var writablePrefixes = []string{"rehearsal/"}

const frontName = "eventmall-registry-front"

func frontBin(cfg config) string     { return filepath.Join(cfg.binDir(), frontName) }
func frontPidFile(cfg config) string { return cfg.path("registry", "front.pid") }

// frontArgs are the front's command-line arguments.
func frontArgs(listen, store string) []string {
	return []string{"-listen", listen, "-upstream", "http://" + store, "-writable", strings.Join(writablePrefixes, ",")}
}

// processAlive tells whether pid runs and its command line holds name.
func processAlive(pid int, name string) bool {
	if pid <= 0 {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !strings.Contains(string(cmdline), name) {
		return false
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// a zombie (state Z) has exited
	if f := strings.Fields(string(st[strings.LastIndexByte(string(st), ')')+1:])); len(f) > 0 && f[0] == "Z" {
		return false
	}
	return true
}

// ourFront is the pid and the command line of the front this tool started,
// if it still runs.
func ourFront(cfg config) (int, string) {
	b, err := os.ReadFile(frontPidFile(cfg))
	if err != nil {
		return 0, ""
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if !processAlive(pid, frontName) {
		return 0, ""
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return pid, string(cmdline)
}

// buildFront builds the front from the work tree into the cache; it tells
// whether the binary changed.
func buildFront(cfg config) (bool, error) {
	old, _ := fileHash(frontBin(cfg))
	tmp := frontBin(cfg) + ".new"
	if err := os.MkdirAll(cfg.binDir(), 0o755); err != nil {
		return false, err
	}
	if err := os.MkdirAll(cfg.path("logs"), 0o755); err != nil {
		return false, err
	}
	err := goLogged(cfg.RepoDir, cfg.path("logs", "registry-front-build.log"), []string{"CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false"},
		"build", "-trimpath", "-o", tmp, "./ci/airgap/regfront")
	if err != nil {
		return false, fmt.Errorf("building the registry front: %w", err)
	}
	now, err := fileHash(tmp)
	if err != nil {
		return false, err
	}
	if now == old {
		return false, os.Remove(tmp)
	}
	return true, os.Rename(tmp, frontBin(cfg))
}

// stopProcess stops pid (SIGTERM, then SIGKILL after 15 s) and waits for it to exit.
func stopProcess(pid int, name string) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && err != syscall.ESRCH {
		return fmt.Errorf("stopping %s (pid %d): %w", name, pid, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for processAlive(pid, name) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			time.Sleep(time.Second)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if processAlive(pid, name) {
		return failf("%s (pid %d) does not stop", name, pid)
	}
	return nil
}

// ensureFront runs the front at listen in front of the registry at store,
// restarting it when its binary or its arguments changed.
func ensureFront(cfg config, listen, store string) error {
	changed, err := buildFront(cfg)
	if err != nil {
		return err
	}
	want := strings.Join(append([]string{frontBin(cfg)}, frontArgs(listen, store)...), "\x00") + "\x00"
	if pid, cmdline := ourFront(cfg); pid != 0 {
		if !changed && cmdline == want && registryAnswers(listen) {
			return nil
		}
		logf("  restarting the registry front (pid %d): its binary or arguments changed\n", pid)
		if err := stopProcess(pid, frontName); err != nil {
			return err
		}
	}
	if portOpen(listen) {
		return failf("port %s is in use by something that is not eventmall's registry front: stop it or free port %d", listen, registryPort)
	}
	logFile := cfg.path("logs", "registry-front.log")
	lf, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer lf.Close()
	cmd := exec.Command(frontBin(cfg), frontArgs(listen, store)...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the registry front: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := os.WriteFile(frontPidFile(cfg), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		return err
	}
	deadline := time.After(20 * time.Second)
	for !registryAnswers(listen) {
		select {
		case err := <-done:
			return failf("the registry front exited at start (%v): %s", err, tailFile(logFile, 2))
		case <-deadline:
			return failf("the registry front does not answer at %s: %s", listen, tailFile(logFile, 2))
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// registryRefusesPushes asks the registry at addr to take a manifest for
// library/debian that no registry would store (an empty JSON object): a
// read-only mirror answers 403 (the front), 401 or 405; a writable registry
// answers 400 (manifest invalid), and nothing is written either way.
func registryRefusesPushes(addr string) (bool, error) {
	req, _ := http.NewRequest(http.MethodPut,
		fmt.Sprintf("http://%s/v2/library/debian/manifests/eventmall-push-probe", addr), strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusForbidden, http.StatusUnauthorized, http.StatusMethodNotAllowed:
		return true, nil
	}
	return false, nil
}

// checkMirrorReadOnly fails unless the mirror at addr refuses pushes to its images.
func checkMirrorReadOnly(addr string) error {
	refuses, err := registryRefusesPushes(addr)
	if err != nil {
		return failf("local registry %s does not answer: %v", addr, err)
	}
	if !refuses {
		return failf("the mirror %s accepts pushes to its images: a container on the host could replace node:… or the terraform image", addr)
	}
	return nil
}
