// Command airgap runs eventmall's air-gapped mode: a real Dagger engine on a
// machine that reaches no container registry. It builds the Dagger binaries
// from the Go module proxy, the base images the module uses from Debian, npm
// and PyPI packages, serves them from a local registry that the engine uses as
// its Docker Hub mirror, and starts the engine in Docker.
//
//	go run ./ci/airgap up            # idempotent; builds only what is missing
//	go run ./ci/airgap status        # one line per part; non-zero if not ready
//	go run ./ci/airgap env           # export lines for a shell
//	go run ./ci/airgap dagger ARGS   # run the built dagger CLI against the engine
//	go run ./ci/airgap images        # the mirrored images and whether each is present
//	go run ./ci/airgap down [--purge]
//	go run ./ci/airgap cli --out DIR # build only the Dagger CLI (machines with internet: CI vendors)
//
// See docs/airgap.md.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DaggerVersion is the one Dagger release used for the CLI, the engine and
// the Go SDK (dagger.json's engineVersion, daggerbuild/go.mod).
const DaggerVersion = "v0.19.7"

// Names of the Docker objects this tool owns.
const (
	engineImageRepo = "eventmall-airgap/dagger-engine"
	versionLabel    = "eventmall.airgap.dagger-version"
	recipeLabel     = "eventmall.airgap.recipe"
	registryPort    = 5000
)

// config is what every command needs to know about this machine.
type config struct {
	Cache   string   // EVENTMALL_CACHE, default /var/cache/eventmall
	ExtraCA string   // EXTRA_CA_FILE or --extra-ca: a file or a directory of CA certificates
	RepoDir string   // the work tree holding ci/airgap (for the build module)
	Rebuild []string // up --rebuild REF: images to build and push again
	Store   string   // the registry's own address; "" is storeAddr
}

// The engine's container and state volume. EVENTMALL_ENGINE_NAME=<name> gives a second engine
// beside the shared one, with its own empty state (eventmall-dagger-engine-<name>,
// eventmall-dagger-state-<name>): ci/rehearsal/bench.sh measures a cold cache in it without
// purging the engine everyone else is using. Same image, registry and mirror.
var engineContainer, engineVolume = engineNames(os.Getenv("EVENTMALL_ENGINE_NAME"))

func engineNames(name string) (container, volume string) {
	if name == "" {
		return "eventmall-dagger-engine", "eventmall-dagger-state"
	}
	return "eventmall-dagger-engine-" + name, "eventmall-dagger-state-" + name
}

// validEngineName: empty (the shared engine), or a short name Docker accepts
// in a container and a volume name.
func validEngineName(name string) bool {
	if name == "" {
		return true
	}
	if len(name) > 32 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func (c config) path(elem ...string) string {
	return filepath.Join(append([]string{c.Cache}, elem...)...)
}

func (c config) binDir() string { return c.path("bin") }

// fatal is an error meant to be shown as one line.
type fatal struct{ msg string }

func (f fatal) Error() string { return f.msg }

func failf(format string, args ...any) error { return fatal{fmt.Sprintf(format, args...)} }

func usage() {
	fmt.Fprint(os.Stderr, `usage: go run ./ci/airgap <command> [flags]

commands:
  up [--extra-ca FILE|DIR] [--rebuild IMAGE]...
                             bring the air-gapped engine up (idempotent); --rebuild
                             builds and pushes IMAGE again (e.g. after changing its recipe)
  status                     state of engine, registry and images; non-zero if not ready
  env                        print export lines to use the engine from a shell
  dagger [args...]           run the built dagger CLI against the engine (runs up if needed)
  images                     list mirrored images and whether the mirror has each
  down [--purge]             stop the engine (--purge also removes its state volume)
  cli --out DIR              build only the Dagger CLI from ci/airgap/daggerbuild into DIR
                             (how CI vendors and laptops with internet install it; needs Go)

environment:
  EVENTMALL_CACHE   cache directory (default /var/cache/eventmall)
  EXTRA_CA_FILE     extra CA certificate file or directory (e.g. a TLS-intercepting proxy's CA);
                    up remembers it for later runs, EXTRA_CA_FILE=none forgets it
  EVENTMALL_ENGINE_NAME
                    a second engine beside the shared one, with its own empty state
                    (container eventmall-dagger-engine-NAME; a-z, 0-9, -); every command
                    acts on it, down --purge removes it
`)
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	cfg, args, err := loadConfig(cmd, args)
	if err == nil {
		err = run(cfg, cmd, args)
	}
	if err != nil {
		var f fatal
		if errors.As(err, &f) {
			fmt.Fprintln(os.Stderr, "airgap: "+f.msg)
		} else {
			fmt.Fprintln(os.Stderr, "airgap: "+oneLine(err.Error()))
		}
		os.Exit(1)
	}
}

func loadConfig(cmd string, args []string) (config, []string, error) {
	cfg := config{Cache: os.Getenv("EVENTMALL_CACHE"), ExtraCA: os.Getenv("EXTRA_CA_FILE")}
	if n := os.Getenv("EVENTMALL_ENGINE_NAME"); !validEngineName(n) {
		return cfg, nil, failf("EVENTMALL_ENGINE_NAME %q: use 1 to 32 of a-z, 0-9 and -", n)
	}
	if cfg.Cache == "" {
		cfg.Cache = "/var/cache/eventmall"
	}
	if cmd != "dagger" { // everything after "dagger" belongs to the dagger CLI
		var rest []string
		for i := 0; i < len(args); i++ {
			a := args[i]
			switch {
			case a == "--extra-ca" && i+1 < len(args):
				cfg.ExtraCA = args[i+1]
				i++
			case strings.HasPrefix(a, "--extra-ca="):
				cfg.ExtraCA = strings.TrimPrefix(a, "--extra-ca=")
			case a == "--rebuild" && i+1 < len(args):
				cfg.Rebuild = append(cfg.Rebuild, args[i+1])
				i++
			default:
				rest = append(rest, a)
			}
		}
		args = rest
	}
	// The operator's CA choice is remembered by up, so a later plain `up` (or
	// `dagger`) keeps the engine as it was started; "none" forgets it.
	remembered := filepath.Join(cfg.Cache, "engine", "extra-ca")
	switch cfg.ExtraCA {
	case "":
		if b, err := os.ReadFile(remembered); err == nil {
			cfg.ExtraCA = strings.TrimSpace(string(b))
		}
	case "none":
		cfg.ExtraCA = ""
		if cmd == "up" {
			os.Remove(remembered)
		}
	}
	if cfg.ExtraCA != "" {
		abs, err := filepath.Abs(cfg.ExtraCA)
		if err != nil {
			return cfg, nil, err
		}
		if _, err := os.Stat(abs); err != nil {
			return cfg, nil, failf("extra CA %s: %v", cfg.ExtraCA, err)
		}
		cfg.ExtraCA = abs
		if cmd == "up" {
			os.MkdirAll(filepath.Dir(remembered), 0o755)
			os.WriteFile(remembered, []byte(abs+"\n"), 0o644) //nolint:errcheck // a convenience only
		}
	}
	repo, err := findRepo()
	if err != nil {
		return cfg, nil, err
	}
	cfg.RepoDir = repo
	return cfg, args, nil
}

// findRepo walks up from the working directory to the folder holding
// ci/airgap/daggerbuild/go.mod.
func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "ci", "airgap", "daggerbuild", "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", failf("run from inside the eventmall work tree (no ci/airgap/daggerbuild/go.mod above %s)", dir)
		}
	}
}

func run(cfg config, cmd string, args []string) error {
	switch cmd {
	case "up":
		return cmdUp(cfg)
	case "status":
		return cmdStatus(cfg)
	case "down":
		purge := len(args) > 0 && args[0] == "--purge"
		return cmdDown(cfg, purge)
	case "env":
		return cmdEnv(cfg)
	case "dagger":
		return cmdDagger(cfg, args)
	case "images":
		return cmdImages(cfg)
	case "cli":
		out, err := outFlag(args)
		if err != nil {
			return err
		}
		return cmdCLI(cfg, out)
	case "help", "-h", "--help":
		usage()
		return nil
	}
	usage()
	return failf("unknown command %q", cmd)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	lines := strings.Split(s, "\n")
	if len(lines) > 3 {
		lines = append(lines[:1], lines[len(lines)-2:]...)
	}
	return strings.Join(lines, " | ")
}

// outFlag reads the cli command's --out DIR (or --out=DIR).
func outFlag(args []string) (string, error) {
	out := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--out" && i+1 < len(args):
			out = args[i+1]
			i++
		case strings.HasPrefix(a, "--out="):
			out = strings.TrimPrefix(a, "--out=")
		default:
			return "", failf("cli: unknown argument %q (usage: cli --out DIR)", a)
		}
	}
	return out, nil
}
