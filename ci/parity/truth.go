package parity

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// Truth is ci/calls.txt parsed: one canonical call per function path ("check",
// "aws environment deploy", ...), and the Dagger version every vendor must install
// (dagger.json's engineVersion without the "v").
type Truth struct {
	Calls     map[string]Call
	Order     []string // function paths in calls.txt order
	SecretEnv map[string]bool
	Version   string
	// BuildVersion is the release the build module requires (without the "v"):
	// what `go run ./ci/airgap cli` builds, the vendors' one pin.
	BuildVersion string
}

// BuildModule is the Go module that pins the Dagger release the vendors build.
const BuildModule = "ci/airgap/daggerbuild/go.mod"

// buildModuleVersion reads the github.com/dagger/dagger requirement of the build module.
func buildModuleVersion(root string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(root, BuildModule))
	if err != nil {
		return "", err
	}
	mf, err := modfile.ParseLax(BuildModule, raw, nil)
	if err != nil {
		return "", err
	}
	for _, r := range mf.Require {
		if r.Mod.Path == "github.com/dagger/dagger" {
			return strings.TrimPrefix(r.Mod.Version, "v"), nil
		}
	}
	return "", fmt.Errorf("%s does not require github.com/dagger/dagger", BuildModule)
}

// LoadTruth reads ci/calls.txt and dagger.json under root.
func LoadTruth(root string) (*Truth, error) {
	text, err := os.ReadFile(filepath.Join(root, "ci", "calls.txt"))
	if err != nil {
		return nil, err
	}
	f, err := ScanScript(Script{Where: "ci/calls.txt", Text: string(text)}, nil)
	if err != nil {
		return nil, err
	}
	t := &Truth{Calls: map[string]Call{}, SecretEnv: map[string]bool{}}
	for _, c := range f.Calls {
		if c.Function == "" {
			return nil, fmt.Errorf("ci/calls.txt: a call without a function")
		}
		if _, dup := t.Calls[c.Function]; dup {
			return nil, fmt.Errorf("ci/calls.txt: two calls of %q", c.Function)
		}
		args, err := c.Args()
		if err != nil {
			return nil, err
		}
		// Arguments are matched by name across the whole path: a name may appear once.
		seen := map[string]string{}
		for _, a := range args {
			if on, dup := seen[a.Name]; dup {
				return nil, fmt.Errorf("ci/calls.txt: %s gives %s to `%s` and to `%s`; a name may appear once in a call", c.Function, a.Name, on, a.On)
			}
			seen[a.Name] = a.On
		}
		for _, a := range args {
			switch {
			case strings.HasPrefix(a.Value, "env://"):
				t.SecretEnv[strings.TrimPrefix(a.Value, "env://")] = true
			case strings.HasPrefix(a.Value, "${") && strings.HasSuffix(a.Value, "}") && strings.Count(a.Value, "$") == 1:
			default:
				return nil, fmt.Errorf("ci/calls.txt: %s %s=%s: values must be env://NAME (secrets) or \"$NAME\" (set by the vendor)", c.Function, a.Name, a.Value)
			}
		}
		t.Calls[c.Function] = c
		t.Order = append(t.Order, c.Function)
	}
	if len(t.Calls) == 0 {
		return nil, fmt.Errorf("ci/calls.txt holds no dagger call")
	}
	var dj struct {
		EngineVersion string `json:"engineVersion"`
	}
	raw, err := os.ReadFile(filepath.Join(root, "dagger.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &dj); err != nil {
		return nil, fmt.Errorf("dagger.json: %v", err)
	}
	t.Version = strings.TrimPrefix(dj.EngineVersion, "v")
	if t.Version == "" {
		return nil, fmt.Errorf("dagger.json has no engineVersion")
	}
	if t.BuildVersion, err = buildModuleVersion(root); err != nil {
		return nil, err
	}
	return t, nil
}

// Job is what a vendor runs in one job (or Jenkins stage group): its scripts, in order.
type Job struct {
	Where    string
	Calls    []Call
	Installs []Install
}

// Vendor is everything extracted from one vendor's files.
type Vendor struct {
	Name     string
	Files    []string // every file read, entry point first
	Jobs     []Job
	Problems []string
}

// Compare checks a vendor against the truth and returns every difference.
func (t *Truth) Compare(v *Vendor) []string {
	probs := append([]string(nil), v.Problems...)
	count := map[string]int{}
	installs := 0
	for _, j := range v.Jobs {
		installs += len(j.Installs)
		for _, in := range j.Installs {
			if in.Source {
				if t.BuildVersion != t.Version {
					probs = append(probs, fmt.Sprintf("%s: builds Dagger %q (%s), want %q from dagger.json", in.Where, t.BuildVersion, BuildModule, t.Version))
				}
				continue
			}
			switch {
			case in.Raw == "" && in.Version == "":
				probs = append(probs, fmt.Sprintf("%s: Dagger installed without a version (the install script would take the latest); pin %s", in.Where, t.Version))
			case in.Version != t.Version:
				probs = append(probs, fmt.Sprintf("%s: Dagger version %q (as written: %q), want %q from dagger.json", in.Where, in.Version, in.Raw, t.Version))
			}
		}
		if len(j.Calls) > 0 && len(j.Installs) == 0 {
			probs = append(probs, fmt.Sprintf("%s: calls dagger without installing the pinned CLI in the same job", j.Where))
		}
		for _, c := range j.Calls {
			count[c.Function]++
			want, ok := t.Calls[c.Function]
			if !ok {
				probs = append(probs, fmt.Sprintf("%s: `dagger call %s` is not in ci/calls.txt (known: %s)", c.Where, c.Function, strings.Join(t.Order, ", ")))
				continue
			}
			probs = append(probs, diffCall(c, want, t.SecretEnv)...)
			probs = append(probs, readOnly(c)...)
		}
	}
	if installs == 0 {
		probs = append(probs, fmt.Sprintf("%s: no installation of the Dagger CLI found", v.Name))
	}
	for _, fn := range t.Order {
		switch n := count[fn]; {
		case n == 0:
			probs = append(probs, fmt.Sprintf("%s: no `dagger call %s` (ci/calls.txt wants one per vendor)", v.Name, fn))
		case n > 1:
			probs = append(probs, fmt.Sprintf("%s: `dagger call %s` appears %d times; want exactly one", v.Name, fn, n))
		}
	}
	return probs
}

func diffCall(got, want Call, secretEnv map[string]bool) []string {
	var probs []string
	ga, err := got.Args()
	if err != nil {
		return []string{err.Error()}
	}
	wa, _ := want.Args()
	gm, wm := map[string]Arg{}, map[string]Arg{}
	for _, a := range ga {
		if _, dup := gm[a.Name]; dup {
			probs = append(probs, fmt.Sprintf("%s: %s given twice", got.Where, a.Name))
		}
		gm[a.Name] = a
	}
	for _, a := range wa {
		wm[a.Name] = a
	}
	for _, a := range wa {
		given, ok := gm[a.Name]
		g := given.Value
		switch {
		case !ok:
			probs = append(probs, fmt.Sprintf("%s: `dagger call %s` lacks %s=%s", got.Where, got.Function, a.Name, a.Value))
		case g != a.Value && strings.HasPrefix(a.Value, "env://") && strings.HasPrefix(g, "env://"):
			probs = append(probs, fmt.Sprintf("%s: %s reads the secret from %s, want %s", got.Where, a.Name, g, a.Value))
		case g != a.Value && strings.HasPrefix(a.Value, "env://"):
			probs = append(probs, fmt.Sprintf("%s: %s=%s passes the secret as a value; want the reference %s", got.Where, a.Name, g, a.Value))
		case g != a.Value:
			probs = append(probs, fmt.Sprintf("%s: %s=%s, want %s", got.Where, a.Name, g, a.Value))
		}
		// Each object takes its own flags: --region belongs to aws, --name to environment.
		if ok && given.On != a.On {
			probs = append(probs, fmt.Sprintf("%s: `dagger call %s` gives %s to `%s`; ci/calls.txt gives it to `%s`", got.Where, got.Function, a.Name, given.On, a.On))
		}
	}
	var extra []string
	for _, a := range ga {
		if _, ok := wm[a.Name]; !ok {
			extra = append(extra, a.Name+"="+a.Value)
		}
	}
	sort.Strings(extra)
	for _, e := range extra {
		probs = append(probs, fmt.Sprintf("%s: `dagger call %s` has %s, which ci/calls.txt does not", got.Where, got.Function, e))
	}
	if gc, wc := strings.Join(got.Chain(), " "), strings.Join(want.Chain(), " "); gc != wc {
		probs = append(probs, fmt.Sprintf("%s: `dagger call %s` chains %s; ci/calls.txt chains %s", got.Where, got.Function, chainText(gc), chainText(wc)))
	}
	if len(probs) == 0 && strings.Join(got.Words, " ") != strings.Join(want.Words, " ") {
		probs = append(probs, fmt.Sprintf("%s: arguments in another order than ci/calls.txt:\n  got  %s\n  want %s", got.Where, strings.Join(got.Words, " "), strings.Join(want.Words, " ")))
	}
	_ = secretEnv
	return probs
}

// Scheduled are the function paths a vendor runs on a schedule; they change nothing, so they
// run as the read-only plan role, never the deployer.
var Scheduled = map[string]bool{"aws environment drift": true, "aws environment preflight": true}

// ReviewOnly are the function paths a pull or merge request runs: unreviewed code, so they run
// as the read-only plan role, never the deployer (issue 16, finding 2).
var ReviewOnly = map[string]bool{"aws environment plan": true}

// readOnly checks the role a scheduled or pull/merge request call runs as.
func readOnly(c Call) []string {
	run, use := "the scheduled checks run", "the scheduled checks use"
	switch {
	case ReviewOnly[c.Function]:
		run, use = "a pull/merge request's plan runs", "a pull/merge request's plan uses"
	case !Scheduled[c.Function]:
		return nil
	}
	r := strings.ToLower(c.Role)
	switch {
	case c.Role == "":
		return []string{fmt.Sprintf("%s: `dagger call %s` assumes no AWS role; %s as the read-only plan role", c.Where, c.Function, run)}
	case strings.Contains(r, "deployer") || strings.Contains(r, "eventmall-deploy"):
		return []string{fmt.Sprintf("%s: `dagger call %s` runs as the deployer (%s); %s the read-only plan role, never the deployer", c.Where, c.Function, c.Role, use)}
	case !strings.Contains(r, "plan"):
		return []string{fmt.Sprintf("%s: `dagger call %s` runs as %s, not the read-only plan role", c.Where, c.Function, c.Role)}
	}
	return nil
}

func chainText(chain string) string {
	if chain == "" {
		return "nothing"
	}
	return "`" + chain + "`"
}
