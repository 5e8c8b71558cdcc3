package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// daggerBinaries are built from github.com/dagger/dagger at DaggerVersion.
// name in the cache's bin/ folder -> package.
var daggerBinaries = []struct{ name, pkg string }{
	{"dagger", "github.com/dagger/dagger/cmd/dagger"},
	{"dagger-engine", "github.com/dagger/dagger/cmd/engine"},
	{"dagger-init", "github.com/dagger/dagger/cmd/init"},
	{"codegen", "github.com/dagger/dagger/cmd/codegen"},
	{"dnsname", "github.com/dagger/dagger/cmd/dnsname"},
	{"dialstdio", "github.com/dagger/dagger/cmd/dialstdio"},
}

// buildModuleDir is the separate Go module that pins the Dagger release.
func (c config) buildModuleDir() string {
	return filepath.Join(c.RepoDir, "ci", "airgap", "daggerbuild")
}

// buildInputsHash covers everything that decides the binaries: the build
// module's files and the Go toolchain.
func buildInputsHash(dir string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, DaggerVersion, goVersion())
	var files []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, f)
		fmt.Fprintf(h, "%s %d\n", rel, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// binariesReady says whether the cache holds the six binaries built from
// the current build module.
func binariesReady(cfg config) (bool, string, error) {
	want, err := buildInputsHash(cfg.buildModuleDir())
	if err != nil {
		return false, "", err
	}
	stamp, _ := os.ReadFile(filepath.Join(cfg.binDir(), ".stamp"))
	if strings.TrimSpace(string(stamp)) != want {
		return false, want, nil
	}
	for _, b := range daggerBinaries {
		if _, err := os.Stat(filepath.Join(cfg.binDir(), b.name)); err != nil {
			return false, want, nil
		}
	}
	return true, want, nil
}

var moduleErrRe = regexp.MustCompile(`([a-zA-Z0-9.\-]+\.[a-z]+/[^\s@:]+)@(v[^\s:]+)`)

// buildBinaries builds the Dagger binaries once into the cache, retrying
// flaky module downloads.
func buildBinaries(cfg config) error {
	ok, _, err := binariesReady(cfg)
	if err != nil || ok {
		return err
	}
	if err := os.MkdirAll(cfg.binDir(), 0o755); err != nil {
		return err
	}
	logFile := cfg.path("logs", "dagger-binaries.log")
	tmp := cfg.path("bin.tmp")
	os.RemoveAll(tmp)
	args := []string{"build", "-trimpath", "-ldflags", daggerLdflags(), "-o", tmp + "/"}
	for _, b := range daggerBinaries {
		args = append(args, b.pkg)
	}
	var lastErr error
	for attempt := 1; attempt <= 5; attempt++ {
		lastErr = goLogged(cfg.buildModuleDir(), logFile, daggerBuildEnv(), args...)
		if lastErr == nil {
			break
		}
		logf("  build attempt %d failed: %v\n", attempt, lastErr)
		time.Sleep(time.Duration(attempt) * 2 * time.Second)
	}
	if lastErr != nil {
		return fmt.Errorf("building dagger %s: %w", DaggerVersion, lastErr)
	}
	// go build names binaries after their package folder.
	for _, b := range daggerBinaries {
		src := filepath.Join(tmp, filepath.Base(b.pkg))
		if err := os.Rename(src, filepath.Join(cfg.binDir(), b.name)); err != nil {
			return err
		}
	}
	os.RemoveAll(tmp)
	stamp, err := buildInputsHash(cfg.buildModuleDir())
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(cfg.binDir(), ".stamp"), []byte(stamp+"\n"), 0o644)
}

// daggerLdflags stamp the release into the binaries: the version the CLI
// and the engine report, and the engine image tag a CLI given no runner host
// starts (the registry's engine image of that tag).
func daggerLdflags() string {
	return fmt.Sprintf("-X github.com/dagger/dagger/engine.Version=%s -X github.com/dagger/dagger/engine.Tag=%s", DaggerVersion, DaggerVersion)
}

// daggerBuildEnv is the go command's environment for building the Dagger
// binaries: go.sum verification on. -mod=readonly: every module is checked
// against the hash the build module's go.sum pins, and one go.sum does not
// hold is refused rather than fetched and trusted; the checksum database is
// left on (it is only asked about modules go.sum lacks, which readonly refuses
// anyway).
func daggerBuildEnv() []string {
	return []string{"CGO_ENABLED=0", "GOFLAGS=-mod=readonly -buildvcs=false", "GOTOOLCHAIN=local", "GOWORK=off"}
}

// goLogged runs the go command in dir with extra env, logging to logFile.
// On failure the error names the module that could not be fetched, if any.
func goLogged(dir, logFile string, env []string, args ...string) error {
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	start, _ := f.Seek(0, io.SeekEnd)
	fmt.Fprintf(f, "\n$ (%s) go %s\n", dir, strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(logFile)
		if int(start) < len(b) {
			b = b[start:]
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "403") || strings.Contains(line, "404") || strings.Contains(line, "not available") || strings.Contains(line, "reading http") {
				if m := moduleErrRe.FindStringSubmatch(line); m != nil {
					return fmt.Errorf("module %s@%s could not be downloaded (%s)", m[1], m[2], logFile)
				}
			}
		}
		return fmt.Errorf("go %s: %v: %s", args[0], err, tailFile(logFile, 2))
	}
	return nil
}
