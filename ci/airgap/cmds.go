package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// logw receives progress output: stdout, or stderr when the output of a
// dagger command must stay clean.
var (
	logw  io.Writer = os.Stdout
	logMu sync.Mutex
)

func logf(format string, args ...any) {
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(logw, format, args...)
}

// step runs one named step of up and prints its time.
func step(name string, fn func() error) error {
	start := time.Now()
	logf("==> %s\n", name)
	err := fn()
	if err != nil {
		logf("<== %s: FAILED after %s\n", name, since(start))
		return err
	}
	logf("<== %s: %s\n", name, since(start))
	return nil
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }

func cmdUp(cfg config) error {
	start := time.Now()
	for _, d := range []string{"logs", "bin", "rootfs", "downloads", "build", "tools"} {
		if err := os.MkdirAll(cfg.path(d), 0o755); err != nil {
			return failf("cannot use cache %s: %v", cfg.Cache, err)
		}
	}
	if err := step("host packages", ensureHostPackages); err != nil {
		return err
	}
	if err := step("docker daemon", func() error { return ensureDockerd(cfg) }); err != nil {
		return err
	}
	if err := step("engine version check", checkEngineConflicts); err != nil {
		return err
	}
	gw, err := docker0Gateway()
	if err != nil {
		return err
	}
	reg := fmt.Sprintf("%s:%d", gw, registryPort)
	// push: where the tool pushes the images it builds (the registry on
	// loopback, behind the read-only front at reg).
	var push string
	if err := step("local registry "+reg, func() (err error) { push, err = ensureRegistry(cfg, reg); return err }); err != nil {
		return err
	}

	// The binaries (CPU) and the images (mostly downloads) build side by side.
	var wg sync.WaitGroup
	var binErr, imgErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		binErr = step("dagger "+DaggerVersion+" binaries (cache "+cfg.binDir()+")", func() error { return buildBinaries(cfg) })
	}()
	go func() {
		defer wg.Done()
		imgErr = step("mirror images", func() error { return ensureImages(cfg, push) })
	}()
	wg.Wait()
	if binErr != nil {
		return binErr
	}
	if imgErr != nil {
		return imgErr
	}
	if err := step("engine image "+engineImageTag(), func() error { return ensureEngineImage(cfg, push) }); err != nil {
		return err
	}
	if err := step("engine container "+engineContainer, func() error { return ensureEngine(cfg, reg) }); err != nil {
		return err
	}
	logf("air-gapped engine ready in %s; use it with: eval \"$(go run ./ci/airgap env)\"  or  go run ./ci/airgap dagger ...\n", since(start))
	return nil
}

// readiness checks everything `dagger` needs, quickly; the first problem is returned.
func readiness(cfg config) (string, error) {
	if !dockerAnswers() {
		return "", failf("docker daemon does not answer: run 'go run ./ci/airgap up'")
	}
	if err := checkEngineConflicts(); err != nil {
		return "", err
	}
	gw, err := docker0Gateway()
	if err != nil {
		return "", err
	}
	reg := fmt.Sprintf("%s:%d", gw, registryPort)
	if !registryAnswers(reg) {
		return reg, failf("local registry %s does not answer: run 'go run ./ci/airgap up'", reg)
	}
	if err := verifyMirrorDigests(cfg, reg, false); err != nil {
		return reg, err
	}
	missing, err := missingImages(cfg, reg)
	if err != nil {
		return reg, err
	}
	if len(missing) > 0 {
		return reg, failf("mirror lacks %s: run 'go run ./ci/airgap up'", missing[0].Ref)
	}
	if ok, _, _ := binariesReady(cfg); !ok {
		return reg, failf("dagger %s binaries are not built in %s: run 'go run ./ci/airgap up'", DaggerVersion, cfg.binDir())
	}
	if state, ok := engineState(); !ok {
		return reg, failf("engine %s: run 'go run ./ci/airgap up'", state)
	}
	return reg, nil
}

func cmdStatus(cfg config) error {
	ready := true
	problem := "" // the first, said again as the closing error line
	line := func(part, state string, ok bool) {
		mark := "ok  "
		if !ok {
			mark = "MISS"
			if ready {
				problem = part + ": " + state
			}
			ready = false
		}
		fmt.Printf("%s %-10s %s\n", mark, part, state)
	}
	if !dockerAnswers() {
		line("docker", "no docker daemon answers", false)
		return failf("not ready: run 'go run ./ci/airgap up'")
	}
	v, _ := docker("version", "--format", "{{.Server.Version}}")
	line("docker", "daemon "+v, true)
	if ok, _, _ := binariesReady(cfg); ok {
		line("binaries", "dagger "+DaggerVersion+" in "+cfg.binDir(), true)
	} else {
		line("binaries", "not built for the current build module", false)
	}
	gw, err := docker0Gateway()
	if err != nil {
		line("registry", err.Error(), false)
		return failf("not ready: run 'go run ./ci/airgap up'")
	}
	reg := fmt.Sprintf("%s:%d", gw, registryPort)
	if registryAnswers(reg) {
		refusesDeletes, _ := registryRefusesDeletes(reg)
		readOnly, _ := registryRefusesPushes(reg)
		switch {
		case !refusesDeletes:
			// Still serves what the engine needs: a warning, not a readiness failure.
			fmt.Printf("WARN %-10s serving at %s but it accepts deletes (started before they were turned off): the next 'go run ./ci/airgap up' restarts it with deletes off\n", "registry", reg)
		case !readOnly:
			fmt.Printf("WARN %-10s serving at %s, deletes refused, but it accepts pushes from anything on the host (started by an earlier version of this tool; kept while it runs): read-only to all but this tool once it is next started\n", "registry", reg)
		default:
			line("registry", "serving at "+reg+" read-only (pushes only from this tool, to "+cfg.store()+"; writable: "+strings.Join(writablePrefixes, ", ")+"), deletes refused (data "+cfg.path("registry", "data")+")", true)
		}
		missing, err := missingImages(cfg, reg)
		if err == nil {
			err = verifyMirrorDigests(cfg, reg, false)
		}
		switch {
		case err != nil:
			line("images", err.Error(), false)
		case len(missing) > 0:
			var names []string
			for _, m := range missing {
				names = append(names, m.Ref)
			}
			line("images", "mirror lacks "+strings.Join(names, ", "), false)
		default:
			line("images", fmt.Sprintf("all %d images in the mirror", len(recipes)), true)
		}
	} else {
		line("registry", "nothing answers at "+reg, false)
		line("images", "unknown (no registry)", false)
	}
	if engineImageCurrent(cfg) {
		line("image", engineImageTag()+" built", true)
	} else {
		line("image", engineImageTag()+" missing or outdated", false)
	}
	if err := checkEngineConflicts(); err != nil {
		line("engine", err.Error(), false)
	} else {
		state, ok := engineState()
		line("engine", state, ok)
	}
	if !ready {
		if strings.Contains(problem, "another dagger engine") || strings.Contains(problem, "runs dagger engine") {
			return failf("not ready: %s", strings.TrimPrefix(problem, "engine: "))
		}
		if strings.HasPrefix(problem, "images: mirror lacks") {
			return failf("%s: run 'go run ./ci/airgap up'", strings.TrimPrefix(problem, "images: "))
		}
		return failf("not ready (%s): run 'go run ./ci/airgap up'", problem)
	}
	return nil
}

func cmdDown(cfg config, purge bool) error {
	if !dockerAnswers() {
		fmt.Println("no docker daemon answers: nothing to stop")
		return nil
	}
	if _, err := docker("inspect", engineContainer); err == nil {
		if _, err := docker("rm", "-f", engineContainer); err != nil {
			return err
		}
		fmt.Printf("engine container %s removed (state volume %s kept unless --purge)\n", engineContainer, engineVolume)
	} else {
		fmt.Printf("engine container %s is not there\n", engineContainer)
	}
	if purge {
		if _, err := docker("volume", "inspect", engineVolume); err == nil {
			if _, err := docker("volume", "rm", engineVolume); err != nil {
				return err
			}
			fmt.Printf("volume %s removed\n", engineVolume)
		}
	}
	return nil
}

// engineEnv is the environment that points the dagger CLI at the engine.
func engineEnv(cfg config, reg string) []string {
	return []string{
		"_EXPERIMENTAL_DAGGER_RUNNER_HOST=docker-container://" + engineContainer,
		"DAGGER_NO_NAG=1",
		"PATH=" + cfg.binDir() + ":$PATH",
		"EVENTMALL_REGISTRY=" + reg,
	}
}

func cmdEnv(cfg config) error {
	gw, err := docker0Gateway()
	if err != nil {
		return err
	}
	for _, kv := range engineEnv(cfg, fmt.Sprintf("%s:%d", gw, registryPort)) {
		k, v, _ := strings.Cut(kv, "=")
		if k == "PATH" {
			fmt.Printf("export PATH=%q\n", strings.TrimSuffix(v, ":$PATH")+":$PATH")
			continue
		}
		fmt.Printf("export %s=%s\n", k, v)
	}
	return nil
}

func cmdDagger(cfg config, args []string) error {
	logw = os.Stderr // keep dagger's stdout clean
	reg, err := readiness(cfg)
	if err != nil {
		if isConflict(err) { // up would not fix it
			return err
		}
		logf("airgap: %s; running up first\n", strings.TrimSuffix(err.Error(), ": run 'go run ./ci/airgap up'"))
		if err := cmdUp(cfg); err != nil {
			return err
		}
		if reg, err = readiness(cfg); err != nil {
			return err
		}
	}
	env := os.Environ()
	for _, kv := range engineEnv(cfg, reg) {
		k, v, _ := strings.Cut(kv, "=")
		if k == "PATH" {
			v = cfg.binDir() + ":" + os.Getenv("PATH")
		}
		env = append(env, k+"="+v)
	}
	bin := filepath.Join(cfg.binDir(), "dagger")
	if err := syscall.Exec(bin, append([]string{"dagger"}, args...), env); err != nil {
		return fmt.Errorf("exec %s: %w", bin, err)
	}
	return nil
}

func isConflict(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "another dagger engine") || strings.Contains(err.Error(), "runs dagger engine"))
}

func cmdImages(cfg config) error {
	reg := ""
	if gw, err := docker0Gateway(); err == nil {
		reg = fmt.Sprintf("%s:%d", gw, registryPort)
	}
	up := reg != "" && registryAnswers(reg)
	missing := 0
	for _, r := range recipes {
		repo, tag, err := mirrorPath(r.Ref)
		if err != nil {
			return err
		}
		state := "unknown (registry not running)"
		if up {
			has, err := mirrorHas(reg, repo, tag)
			switch {
			case err != nil:
				state = "error: " + err.Error()
			case has:
				state = "in mirror"
			default:
				state = "MISSING"
				missing++
			}
		}
		role := "module"
		if r.Support {
			role = "base"
		}
		fmt.Printf("%-30s %-7s %-16s %s/%s:%s  %s\n", r.Ref, role, state, reg, repo, tag, r.About)
	}
	if !up {
		return failf("local registry is not running: run 'go run ./ci/airgap up'")
	}
	if missing > 0 {
		return failf("mirror lacks %d image(s): run 'go run ./ci/airgap up'", missing)
	}
	return nil
}
