package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// dockerHubHost is Docker Hub's registry name, the key of the engine's mirror
// entry. It is assembled from two parts on purpose: the project keeps
// container registry host names out of its committed files.
var dockerHubHost = "docker" + "." + "io"

// renderEngineToml is the engine (buildkitd) configuration: Docker Hub is
// mirrored by the local registry, which is spoken to over plain http (pulls
// through the mirror and pushes to it, e.g. the rehearsal/ images).
func renderEngineToml(registry string) string {
	return fmt.Sprintf(`# written by ci/airgap: eventmall's air-gapped mode
debug = false

[registry.%q]
  mirrors = [%q]

[registry.%q]
  http = true
  insecure = true
`, dockerHubHost, registry, registry)
}

// engineImageTag is the local image the engine container runs.
func engineImageTag() string { return engineImageRepo + ":" + DaggerVersion }

// containerInfo is what conflict detection needs to know about a container.
type containerInfo struct {
	Name    string
	Image   string
	Labels  map[string]string
	Running bool
}

// parseDockerPS reads `docker ps -a --format '{{json .}}'` output.
func parseDockerPS(out string) ([]containerInfo, error) {
	var cs []containerInfo
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var row struct{ Names, Image, Labels, State string }
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			return nil, fmt.Errorf("docker ps output: %w", err)
		}
		c := containerInfo{Name: row.Names, Image: row.Image, Labels: map[string]string{}, Running: row.State == "running"}
		for _, kv := range strings.Split(row.Labels, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				c.Labels[k] = v
			}
		}
		cs = append(cs, c)
	}
	return cs, nil
}

var versionRe = regexp.MustCompile(`v\d+\.\d+\.\d+(?:-[0-9A-Za-z.\-]+)?$`)

// engineVersionOf tells whether a container looks like a Dagger engine and,
// if it can tell, which version it runs (label, image tag, or the CLI's
// dagger-engine-vX.Y.Z container name).
func engineVersionOf(c containerInfo) (isEngine bool, version string) {
	if v := c.Labels[versionLabel]; v != "" {
		return true, v
	}
	if v := c.Labels["org.opencontainers.image.version"]; v != "" && strings.Contains(c.Image, "engine") {
		return true, v
	}
	image := c.Image
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	name, tag := image, ""
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		name, tag = image[:i], image[i+1:]
	}
	if strings.HasSuffix(name, "dagger-engine") || strings.HasSuffix(name, "dagger/engine") || strings.HasPrefix(c.Name, "dagger-engine") {
		if versionRe.MatchString(tag) {
			return true, versionRe.FindString(tag)
		}
		if strings.HasPrefix(c.Name, "dagger-engine") && versionRe.MatchString(c.Name) {
			return true, versionRe.FindString(c.Name)
		}
		return true, ""
	}
	return false, ""
}

// engineConflict finds an engine of another version under our container
// name, or another running Dagger engine container of another version.
func engineConflict(cs []containerInfo, ourName, ourVersion string) error {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	for _, c := range cs {
		isEngine, v := engineVersionOf(c)
		if c.Name == ourName {
			if v != ourVersion {
				if v == "" {
					v = "an unknown version (image " + c.Image + ")"
				}
				return failf("container %s runs dagger engine %s, not %s: remove it with 'docker rm -f %s' (or 'go run ./ci/airgap down --purge')", ourName, v, ourVersion, ourName)
			}
			continue
		}
		if isEngine && c.Running && v != "" && v != ourVersion {
			return failf("another dagger engine (%s, container %s) is running: stop it with 'docker stop %s' before using %s", v, c.Name, c.Name, ourVersion)
		}
	}
	return nil
}

func listContainers() ([]containerInfo, error) {
	out, err := docker("ps", "-a", "--no-trunc", "--format", "{{json .}}")
	if err != nil {
		return nil, err
	}
	return parseDockerPS(out)
}

func checkEngineConflicts() error {
	cs, err := listContainers()
	if err != nil {
		return err
	}
	return engineConflict(cs, engineContainer, DaggerVersion)
}

// engineRunHash identifies the engine container's configuration: a change
// recreates the container (its state volume stays).
func engineRunHash(cfg config, toml string, imageID string) (string, error) {
	cas, err := caFiles(cfg)
	if err != nil {
		return "", err
	}
	parts := []string{toml, imageID}
	for _, f := range cas {
		h, err := fileHash(f)
		if err != nil {
			return "", err
		}
		parts = append(parts, f, h)
	}
	return recipeHash(parts...), nil
}

// engineRunArgs are the `docker run` arguments of the engine container.
// --privileged fails on these hosts (the bounding set lacks
// CAP_SYS_RESOURCE): all other capabilities, unconfined profiles instead.
func engineRunArgs(cfg config, tomlPath, runHash string) ([]string, error) {
	args := []string{"run", "-d", "--name", engineContainer,
		"--restart", "unless-stopped",
		"--label", versionLabel + "=" + DaggerVersion,
		"--label", recipeLabel + "=" + runHash,
		"--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
		"--security-opt", "seccomp=unconfined",
		"--security-opt", "apparmor=unconfined",
		"--security-opt", "systempaths=unconfined",
		"-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
		"-v", "/dev:/dev",
		"-v", engineVolume + ":/var/lib/dagger",
		"-v", tomlPath + ":/etc/dagger/engine.toml:ro",
	}
	cas, err := caFiles(cfg)
	if err != nil {
		return nil, err
	}
	// The engine injects every certificate in this folder into the
	// containers it runs.
	for i, f := range cas {
		base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".pem"), ".crt")
		args = append(args, "-v", fmt.Sprintf("%s:/usr/local/share/ca-certificates/%02d-%s.crt:ro", f, i, base))
	}
	return append(args, engineImageTag()), nil
}

// ensureEngine starts (or recreates) the engine container.
func ensureEngine(cfg config, reg string) error {
	if err := checkEngineConflicts(); err != nil {
		return err
	}
	toml := renderEngineToml(reg)
	tomlPath := cfg.path("engine", "engine.toml")
	if err := os.MkdirAll(filepath.Dir(tomlPath), 0o755); err != nil {
		return err
	}
	if old, _ := os.ReadFile(tomlPath); string(old) != toml {
		if err := os.WriteFile(tomlPath, []byte(toml), 0o644); err != nil {
			return err
		}
	}
	imageID, err := docker("image", "inspect", "--format", "{{.Id}}", engineImageTag())
	if err != nil {
		return err
	}
	runHash, err := engineRunHash(cfg, toml, imageID)
	if err != nil {
		return err
	}
	state, _ := docker("inspect", "--format", `{{.State.Running}} {{index .Config.Labels "`+recipeLabel+`"}}`, engineContainer)
	switch state {
	case "true " + runHash:
		return waitEngine(cfg)
	case "false " + runHash:
		if _, err := docker("start", engineContainer); err != nil {
			return err
		}
		return waitEngine(cfg)
	case "":
	default:
		logf("  engine configuration changed: recreating the container (state volume kept)\n")
		if _, err := docker("rm", "-f", engineContainer); err != nil {
			return err
		}
	}
	args, err := engineRunArgs(cfg, tomlPath, runHash)
	if err != nil {
		return err
	}
	if _, err := docker(args...); err != nil {
		return err
	}
	return waitEngine(cfg)
}

// engineReady tells whether the engine container runs and its socket exists.
func engineReady() bool {
	_, err := docker("exec", engineContainer, "test", "-S", "/run/dagger/engine.sock")
	return err == nil
}

func waitEngine(cfg config) error {
	deadline := time.Now().Add(90 * time.Second)
	for !engineReady() {
		if running, _ := docker("inspect", "--format", "{{.State.Running}}", engineContainer); running == "false" {
			logs, _ := docker("logs", "--tail", "3", engineContainer)
			return failf("engine container %s stopped: %s", engineContainer, oneLine(logs))
		}
		if time.Now().After(deadline) {
			return failf("engine container %s did not open its socket in 90 s (docker logs %s)", engineContainer, engineContainer)
		}
		time.Sleep(300 * time.Millisecond)
	}
	return nil
}

// engineState is one line for status.
func engineState() (string, bool) {
	out, err := docker("inspect", "--format", `{{.State.Running}} {{index .Config.Labels "`+versionLabel+`"}}`, engineContainer)
	if err != nil {
		return "not created", false
	}
	running, version, _ := strings.Cut(out, " ")
	if running != "true" {
		return fmt.Sprintf("stopped (container %s, %s)", engineContainer, version), false
	}
	if version != DaggerVersion {
		return fmt.Sprintf("container %s runs %s, not %s", engineContainer, version, DaggerVersion), false
	}
	if !engineReady() {
		return fmt.Sprintf("starting (container %s)", engineContainer), false
	}
	return fmt.Sprintf("running %s (container %s, volume %s)", DaggerVersion, engineContainer, engineVolume), true
}
