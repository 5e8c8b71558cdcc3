package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// cmdCLI builds the Dagger CLI alone from the build module into outDir: how a
// CI machine (or a laptop) with internet gets the CLI without piping a
// download into a shell. The one pin is ci/airgap/daggerbuild: its go.mod
// names the release, its go.sum the hash of every module the build reads
// (-mod=readonly refuses a module go.sum lacks or one whose hash differs).
// It needs the go command and nothing of the air-gapped mode (no cache, no
// docker, no engine): the CLI built here starts the release's own engine
// image, as a downloaded CLI of the same version would.
func cmdCLI(cfg config, outDir string) error {
	if outDir == "" {
		return failf("cli: --out DIR is required (the folder the dagger binary is written to, e.g. \"$HOME/.local/bin\")")
	}
	if _, err := exec.LookPath("go"); err != nil {
		return failf("cli: the go command is not on PATH (any Go 1.21 or newer: the go line of ci/airgap/daggerbuild/go.mod selects the toolchain)")
	}
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return failf("cli: cannot create %s: %v", abs, err)
	}
	bin := filepath.Join(abs, "dagger")
	args := []string{"build", "-trimpath", "-ldflags", daggerLdflags(), "-o", bin, "github.com/dagger/dagger/cmd/dagger"}
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		cmd := exec.Command("go", args...)
		cmd.Dir = cfg.buildModuleDir()
		cmd.Env = append(os.Environ(), cliBuildEnv()...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		fmt.Fprintf(os.Stderr, "airgap cli: building dagger %s from %s (attempt %d)\n", DaggerVersion, cmd.Dir, attempt)
		if lastErr = cmd.Run(); lastErr == nil {
			break
		}
		time.Sleep(time.Duration(attempt) * 3 * time.Second)
	}
	if lastErr != nil {
		return failf("cli: building dagger %s failed: %v", DaggerVersion, lastErr)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		return failf("cli: %s version: %v: %s", bin, err, strings.TrimSpace(string(out)))
	}
	if err := checkCLIVersion(string(out)); err != nil {
		return err
	}
	fmt.Printf("%s: %s\n", bin, strings.TrimSpace(string(out)))
	return nil
}

// cliBuildEnv is the Dagger build's environment (go.sum verification on)
// for a machine with internet: the toolchain is the one the build module's
// go line asks for, downloaded by the go command (and checked against the
// checksum database) when the installed Go is older.
func cliBuildEnv() []string {
	var env []string
	for _, kv := range daggerBuildEnv() {
		if strings.HasPrefix(kv, "GOTOOLCHAIN=") {
			kv = "GOTOOLCHAIN=auto"
		}
		env = append(env, kv)
	}
	return env
}

// checkCLIVersion reads `dagger version` output ("dagger v0.19.7 (…) linux/amd64"):
// the stamped version must be the pinned release.
func checkCLIVersion(out string) error {
	f := strings.Fields(out)
	if len(f) < 2 || f[0] != "dagger" || f[1] != DaggerVersion {
		return failf("cli: the built CLI reports %q, want dagger %s (ldflags not applied?)", strings.TrimSpace(out), DaggerVersion)
	}
	return nil
}
