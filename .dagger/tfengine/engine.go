// Package tfengine is the one pinned choice of the infrastructure-as-code
// engine: which engine (OpenTofu or Terraform) and which version, written
// once in engine.json. The host checks read it (terraform/scripts/
// ensure-engine.sh through cmd/tfengine) and so do the module's Terraform
// stages (.dagger/engine.go): they run the image ci/airgap's mirror serves
// (Image, images.json "engine"), built from the host checks' binary, or,
// where it cannot be pulled, build the pin in the engine with BuildScript.
//
// The engine is built from its Go module at the pinned version through the
// Go module proxy, the same way on a laptop, in any CI vendor and on an
// air-gapped machine: OpenTofu publishes no Docker Hub image, and from 1.10
// on it asks users to build their own image rather than run its own.
package tfengine

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

//go:embed engine.json
var pinnedJSON []byte

// Engine is the pinned engine and how to build it.
type Engine struct {
	// Engine is "opentofu" or "terraform".
	Engine string `json:"engine"`
	// Version without the v, e.g. "1.12.6".
	Version string `json:"version"`
	// Replace lists the go.mod replace lines the engine's own go.mod carries
	// (they do not apply to a module that depends on it): "path@version" to
	// "path@version". OpenTofu builds against its fork of hcl/v2.
	Replace map[string]string `json:"replace,omitempty"`
}

// kind is what differs between the engines this package knows.
type kind struct {
	name    string // product name, as `version` prints it
	binary  string
	module  string
	pkg     string
	ldflags string
	license string
}

var kinds = map[string]kind{
	"opentofu": {name: "OpenTofu", binary: "tofu", module: "github.com/opentofu/opentofu",
		pkg: "github.com/opentofu/opentofu/cmd/tofu", license: "MPL-2.0",
		// Without it the binary calls itself "1.12.6-dev".
		ldflags: "-s -w -X github.com/opentofu/opentofu/version.dev=no"},
	"terraform": {name: "Terraform", binary: "terraform", module: "github.com/hashicorp/terraform",
		pkg: "github.com/hashicorp/terraform", license: "BUSL-1.1 from 1.6.0, MPL-2.0 before",
		ldflags: "-s -w"},
}

// MinLockfileVersion is the first release of both engines whose S3 backend
// has use_lockfile (state locks as S3 objects, written with If-None-Match),
// which the stacks' backend sets: older engines cannot init the stacks.
const MinLockfileVersion = "1.10.0"

// Parse reads an engine pin and checks it: a known engine, a plain
// x.y.z version no older than MinLockfileVersion, well-formed replace lines.
func Parse(b []byte) (Engine, error) {
	var e Engine
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Engine{}, fmt.Errorf("engine.json: %w", err)
	}
	if _, ok := kinds[e.Engine]; !ok {
		return Engine{}, fmt.Errorf("engine.json: engine %q is not one of opentofu, terraform", e.Engine)
	}
	v, err := parseVersion(e.Version)
	if err != nil {
		return Engine{}, fmt.Errorf("engine.json: version: %w", err)
	}
	if min, _ := parseVersion(MinLockfileVersion); less(v, min) {
		return Engine{}, fmt.Errorf("engine.json: version %s of %s is older than %s: its S3 backend has no use_lockfile, which the stacks set",
			e.Version, e.Engine, MinLockfileVersion)
	}
	for from, to := range e.Replace {
		for _, side := range []string{from, to} {
			path, ver, ok := strings.Cut(side, "@")
			if !ok || path == "" || !strings.HasPrefix(ver, "v") || strings.ContainsAny(side, " '\"") {
				return Engine{}, fmt.Errorf("engine.json: replace %q => %q: each side must be path@version", from, to)
			}
		}
	}
	return e, nil
}

// Pinned is the engine engine.json pins. A bad pin is a programming error,
// found by this package's tests and by the module's first call.
func Pinned() Engine {
	e, err := Parse(pinnedJSON)
	if err != nil {
		panic(err)
	}
	return e
}

// Name is the product name: "OpenTofu" or "Terraform".
func (e Engine) Name() string { return kinds[e.Engine].name }

// Binary is the command every stage runs: "tofu" or "terraform".
func (e Engine) Binary() string { return kinds[e.Engine].binary }

// Module is the Go module the engine is built from.
func (e Engine) Module() string { return kinds[e.Engine].module }

// License of the pinned engine, for the docs.
func (e Engine) License() string { return kinds[e.Engine].license }

// Label names the engine in reports: "OpenTofu v1.12.6".
func (e Engine) Label() string { return e.Name() + " v" + e.Version }

// Image is the name of the image built here from this engine's host build
// (ci/airgap's mirror serves it): "eventmall-airgap/opentofu:1.12.6". The
// namespace says who built it; it is no Docker ID (those are lowercase
// letters and digits only), so no one else publishes under it there.
func (e Engine) Image() string { return ImageNamespace + "/" + e.Engine + ":" + e.Version }

// ImageNamespace is the namespace of the images built on this machine by
// ci/airgap rather than mirrored from upstream (the engine image too).
const ImageNamespace = "eventmall-airgap"

// VersionLine is the first line `<binary> version` prints for this build.
func (e Engine) VersionLine() string { return e.Label() }

// BuildScript is a POSIX shell script that builds the engine into out from
// the Go module proxy: a throwaway module requiring the engine's module at
// the pinned version with its replace lines, then go build of its command,
// each download retried (the proxy refuses a served version now and then),
// and a check that the binary reports the pinned version. It needs the go
// command, network access to the proxy and a writable GOMODCACHE.
func (e Engine) BuildScript(out string) string {
	k := kinds[e.Engine]
	var b strings.Builder
	fmt.Fprintf(&b, "set -eu\nwork=$(mktemp -d)\ncd \"$work\"\n")
	fmt.Fprintf(&b, "export GOWORK=off GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0\n")
	fmt.Fprintf(&b, "go mod init eventmall.invalid/engine-build >/dev/null 2>&1\n")
	froms := make([]string, 0, len(e.Replace))
	for from := range e.Replace {
		froms = append(froms, from)
	}
	sort.Strings(froms)
	for _, from := range froms {
		fmt.Fprintf(&b, "go mod edit -replace=%s=%s\n", from, e.Replace[from])
	}
	// Each attempt's output goes to a log, shown only when the attempt fails.
	retry := func(cmd string) {
		fmt.Fprintf(&b, "i=0; until %s >\"$work/step.log\" 2>&1; do tail -n 20 \"$work/step.log\" >&2; i=$((i + 1)); [ $i -lt 5 ] || { echo \"%s failed 5 times\" >&2; exit 1; }; echo \"retrying ($i)\" >&2; sleep $((i * 3)); done\n",
			cmd, strings.ReplaceAll(cmd, `"`, `'`))
	}
	retry(fmt.Sprintf("go get %s@v%s", k.pkg, e.Version))
	retry(fmt.Sprintf("go build -trimpath -ldflags '%s' -o '%s' %s", k.ldflags, out, k.pkg))
	// Its own CLI configuration only: a missing TF_CLI_CONFIG_FILE prints a warning first.
	fmt.Fprintf(&b, "got=$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 '%s' version | head -n 1)\n", out)
	fmt.Fprintf(&b, "[ \"$got\" = '%s' ] || { echo \"built $got, pinned %s\" >&2; exit 1; }\n", e.VersionLine(), e.VersionLine())
	fmt.Fprintf(&b, "cd / && rm -rf \"$work\"\n")
	return b.String()
}

type version [3]int

func parseVersion(s string) (version, error) {
	var v version
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, fmt.Errorf("%q is not x.y.z", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || (len(p) > 1 && p[0] == '0') {
			return v, fmt.Errorf("%q is not x.y.z", s)
		}
		v[i] = n
	}
	return v, nil
}

func less(a, b version) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
