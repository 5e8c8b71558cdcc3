package parity

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Loader extracts a vendor from its entry file. root is the repository root against
// which pointers (include: local, configuration_path, uses: ./, load) resolve.
type Loader func(root, entry string, truth *Truth) (*Vendor, error)

// Vendors lists each vendor's loader and fixed-path entry file.
var Vendors = []struct {
	Name  string
	Entry string
	Load  Loader
}{
	{"github", ".github/workflows/eventmall.yml", LoadGitHub},
	{"gitlab", ".gitlab-ci.yml", LoadGitLab},
	{"circleci", ".circleci/config.yml", LoadCircleCI},
	{"jenkins", "Jenkinsfile", LoadJenkins},
}

func readYAML(root, rel string) (map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", rel, err)
	}
	if doc == nil {
		return nil, fmt.Errorf("%s: empty YAML", rel)
	}
	return doc, nil
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }
func asString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mergeEnv(layers ...map[string]any) map[string]string {
	out := map[string]string{}
	for _, l := range layers {
		for k, v := range l {
			out[k] = asString(v)
		}
	}
	return out
}

// addScript scans shell text into the job.
func addScript(v *Vendor, j *Job, s Script, truth *Truth) error {
	f, err := ScanScript(s, truth.SecretEnv)
	if err != nil {
		return err
	}
	for i := range f.Calls {
		f.Calls[i].Role = s.Role
	}
	j.Calls = append(j.Calls, f.Calls...)
	j.Installs = append(j.Installs, f.Installs...)
	v.Problems = append(v.Problems, f.Problems...)
	return nil
}

// ---- GitHub Actions --------------------------------------------------------

// LoadGitHub reads a workflow, following local composite actions (`uses: ./path`).
func LoadGitHub(root, entry string, truth *Truth) (*Vendor, error) {
	v := &Vendor{Name: "github", Files: []string{entry}}
	wf, err := readYAML(root, entry)
	if err != nil {
		return nil, err
	}
	jobs := asMap(wf["jobs"])
	if len(jobs) == 0 {
		return nil, fmt.Errorf("%s: no jobs", entry)
	}
	for _, name := range sortedKeys(jobs) {
		job := asMap(jobs[name])
		j := Job{Where: entry + ": job " + name}
		env := mergeEnv(asMap(wf["env"]), asMap(job["env"]))
		if err := githubSteps(root, v, &j, entry+": job "+name, asList(job["steps"]), env, "", truth, 0); err != nil {
			return nil, err
		}
		v.Jobs = append(v.Jobs, j)
	}
	return v, nil
}

// pinnedAction is a remote action pinned by a full commit SHA.
var pinnedAction = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)

func githubSteps(root string, v *Vendor, j *Job, where string, steps []any, env map[string]string, role string, truth *Truth, depth int) error {
	if depth > 5 {
		return fmt.Errorf("%s: local actions nested too deep", where)
	}
	for i, s := range steps {
		step := asMap(s)
		if a := asString(asMap(step["with"])["role-to-assume"]); a != "" && !strings.Contains(a, "inputs.") && !strings.HasPrefix(asString(step["uses"]), "./") {
			role = a // the steps after it run with that role's credentials
		}
		stepWhere := fmt.Sprintf("%s, step %d", where, i+1)
		if n := asString(step["name"]); n != "" {
			stepWhere = fmt.Sprintf("%s, step %q", where, n)
		}
		stepEnv := map[string]string{}
		for k, val := range env {
			stepEnv[k] = val
		}
		for k, val := range asMap(step["env"]) {
			stepEnv[k] = asString(val)
		}
		if run := asString(step["run"]); run != "" {
			if err := addScript(v, j, Script{Where: stepWhere, Text: run, Env: stepEnv, Role: role}, truth); err != nil {
				return err
			}
		}
		uses := asString(step["uses"])
		with := asMap(step["with"])
		// A role the step assumes (configure-aws-credentials, or a local action given one); an
		// action's own `${{ inputs.role-to-assume }}` is its caller's.
		assumed := asString(with["role-to-assume"])
		if strings.Contains(assumed, "inputs.") {
			assumed = ""
		}
		if uses != "" && !strings.HasPrefix(uses, "./") && !pinnedAction.MatchString(uses) {
			v.Problems = append(v.Problems, fmt.Sprintf("%s: uses %s by a tag or branch, which can be moved to other code; pin the action by its full commit SHA (owner/repo@<40 hex> # tag)", stepWhere, uses))
		}
		switch {
		case uses == "":
		case strings.HasPrefix(uses, "dagger/dagger-for-github@"):
			// Its first step is `curl -fsS https://dl.dagger.io/dagger/install.sh | … sh`
			// (read in the action's action.yml): the same unchecked download.
			v.Problems = append(v.Problems, fmt.Sprintf("%s: dagger/dagger-for-github installs the CLI by piping Dagger's install script into sh inside the action; build it from the pinned source in a run step instead (`%s`, see ci/README.md)", stepWhere, sourceInstall))
			ver := asString(with["version"])
			j.Installs = append(j.Installs, Install{Where: stepWhere, Raw: ver, Version: resolveGitHub(ver)})
			args := asString(with["args"])
			if args == "" {
				args = asString(with["call"])
				if args != "" {
					args = "call " + args
				}
			} else {
				verb := asString(with["verb"])
				if verb == "" {
					verb = "call"
				}
				args = verb + " " + args
			}
			if asString(with["module"]) != "" {
				v.Problems = append(v.Problems, fmt.Sprintf("%s: `module:` set; the calls use the repository's own module", stepWhere))
			}
			if args != "" {
				if err := addScript(v, j, Script{Where: stepWhere, Text: "dagger " + args, Env: stepEnv, Role: role}, truth); err != nil {
					return err
				}
			}
		case strings.HasPrefix(uses, "./"):
			dir := strings.TrimPrefix(uses, "./")
			var action map[string]any
			var rel string
			for _, name := range []string{"action.yml", "action.yaml"} {
				rel = filepath.ToSlash(filepath.Join(dir, name))
				if _, err := os.Stat(filepath.Join(root, rel)); err == nil {
					a, err := readYAML(root, rel)
					if err != nil {
						return err
					}
					action = a
					break
				}
			}
			if action == nil {
				return fmt.Errorf("%s: local action %s has no action.yml", stepWhere, uses)
			}
			v.Files = append(v.Files, rel)
			runs := asMap(action["runs"])
			if asString(runs["using"]) != "composite" {
				return fmt.Errorf("%s: %s is not a composite action", stepWhere, rel)
			}
			inner := role
			if assumed != "" {
				inner = assumed
			}
			if err := githubSteps(root, v, j, stepWhere+" → "+rel, asList(runs["steps"]), stepEnv, inner, truth, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolveGitHub accepts only a literal version: an expression could be anything at run time.
func resolveGitHub(ver string) string {
	if strings.Contains(ver, "${{") {
		return ""
	}
	return strings.TrimPrefix(ver, "v")
}

// ---- GitLab CI -------------------------------------------------------------

var gitlabReserved = map[string]bool{
	"default": true, "include": true, "stages": true, "variables": true, "workflow": true,
	"image": true, "services": true, "cache": true, "before_script": true, "after_script": true,
	"spec": true,
}

// LoadGitLab reads .gitlab-ci.yml, merges `include: local:` files and resolves
// `extends:` like GitLab does (hashes merged deeply, everything else replaced).
func LoadGitLab(root, entry string, truth *Truth) (*Vendor, error) {
	v := &Vendor{Name: "gitlab", Files: []string{entry}}
	doc, err := gitlabLoad(root, entry, v, 0)
	if err != nil {
		return nil, err
	}
	globalVars := asMap(doc["variables"])
	def := asMap(doc["default"])
	found := 0
	for _, name := range sortedKeys(doc) {
		if gitlabReserved[name] || strings.HasPrefix(name, ".") {
			continue
		}
		job, err := gitlabExtends(doc, name, 0)
		if err != nil {
			return nil, err
		}
		if _, ok := job["script"]; !ok {
			if _, ok := job["trigger"]; !ok {
				return nil, fmt.Errorf("gitlab: job %s has no script", name)
			}
		}
		found++
		j := Job{Where: "gitlab job " + name}
		env := mergeEnv(globalVars, asMap(job["variables"]))
		for _, key := range []string{"before_script", "script", "after_script"} {
			lines, ok := job[key]
			if !ok {
				lines = def[key]
			}
			for i, line := range flattenScript(lines) {
				where := fmt.Sprintf("gitlab job %s, %s[%d]", name, key, i)
				if err := addScript(v, &j, Script{Where: where, Text: line, Env: env, Role: env["AWS_ROLE_ARN"]}, truth); err != nil {
					return nil, err
				}
			}
		}
		v.Jobs = append(v.Jobs, j)
	}
	if found == 0 {
		return nil, fmt.Errorf("gitlab: no jobs")
	}
	return v, nil
}

func gitlabLoad(root, rel string, v *Vendor, depth int) (map[string]any, error) {
	if depth > 5 {
		return nil, fmt.Errorf("%s: includes nested too deep", rel)
	}
	doc, err := readYAML(root, rel)
	if err != nil {
		return nil, err
	}
	inc := doc["include"]
	delete(doc, "include")
	var items []any
	switch inc := inc.(type) {
	case nil:
	case string:
		items = []any{inc}
	case []any:
		items = inc
	case map[string]any:
		items = []any{inc}
	}
	merged := map[string]any{}
	for _, it := range items {
		local := ""
		switch it := it.(type) {
		case string:
			local = it
		case map[string]any:
			local = asString(it["local"])
			if local == "" {
				return nil, fmt.Errorf("%s: only `include: local:` is followed (found %v)", rel, it)
			}
		}
		local = strings.TrimPrefix(local, "/")
		v.Files = append(v.Files, local)
		sub, err := gitlabLoad(root, local, v, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s includes %s: %w", rel, local, err)
		}
		deepMerge(merged, sub)
	}
	deepMerge(merged, doc)
	return merged, nil
}

func gitlabExtends(doc map[string]any, name string, depth int) (map[string]any, error) {
	if depth > 10 {
		return nil, fmt.Errorf("gitlab: extends loop at %s", name)
	}
	job := asMap(doc[name])
	if job == nil {
		return nil, fmt.Errorf("gitlab: extends names %s, which does not exist", name)
	}
	var parents []string
	switch e := job["extends"].(type) {
	case string:
		parents = []string{e}
	case []any:
		for _, p := range e {
			parents = append(parents, asString(p))
		}
	}
	out := map[string]any{}
	for _, p := range parents {
		pj, err := gitlabExtends(doc, p, depth+1)
		if err != nil {
			return nil, err
		}
		deepMerge(out, pj)
	}
	deepMerge(out, job)
	delete(out, "extends")
	return out, nil
}

func deepMerge(dst, src map[string]any) {
	for k, sv := range src {
		if sm, ok := sv.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				cp := map[string]any{}
				deepMerge(cp, dm)
				deepMerge(cp, sm)
				dst[k] = cp
				continue
			}
		}
		dst[k] = sv
	}
}

func flattenScript(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, flattenScript(x)...)
		}
		return out
	}
	return nil
}

// ---- CircleCI --------------------------------------------------------------

// LoadCircleCI reads .circleci/config.yml; when it is a setup workflow continuing
// with another file (continuation orb, configuration_path), that file is read too.
func LoadCircleCI(root, entry string, truth *Truth) (*Vendor, error) {
	v := &Vendor{Name: "circleci", Files: []string{entry}}
	doc, err := readYAML(root, entry)
	if err != nil {
		return nil, err
	}
	if setup, _ := doc["setup"].(bool); setup {
		next := ""
		for _, wf := range asMap(doc["workflows"]) {
			for _, j := range asList(asMap(wf)["jobs"]) {
				for jname, params := range asMap(j) {
					if strings.HasPrefix(jname, "continuation/") {
						next = asString(asMap(params)["configuration_path"])
					}
				}
			}
		}
		if next == "" {
			return nil, fmt.Errorf("%s: setup workflow without continuation/continue configuration_path", entry)
		}
		v.Files = append(v.Files, next)
		doc, err = readYAML(root, next)
		if err != nil {
			return nil, fmt.Errorf("%s continues with %s: %w", entry, next, err)
		}
		entry = next
	}
	commands := asMap(doc["commands"])
	// A job's AWS role is its context's AWS_ROLE_ARN: read the contexts the workflows give it.
	contexts := map[string][]string{}
	for _, wf := range asMap(doc["workflows"]) {
		for _, entry := range asList(asMap(wf)["jobs"]) {
			for jname, params := range asMap(entry) {
				switch c := asMap(params)["context"].(type) {
				case string:
					contexts[jname] = append(contexts[jname], c)
				case []any:
					for _, x := range c {
						contexts[jname] = append(contexts[jname], asString(x))
					}
				}
			}
		}
	}
	jobs := asMap(doc["jobs"])
	if len(jobs) == 0 {
		return nil, fmt.Errorf("%s: no jobs", entry)
	}
	for _, name := range sortedKeys(jobs) {
		job := asMap(jobs[name])
		j := Job{Where: entry + ": job " + name}
		env := mergeEnv(asMap(job["environment"]))
		role := ""
		if cs := contexts[name]; len(cs) > 0 {
			role = "context " + strings.Join(cs, ",")
		}
		if err := circleSteps(v, &j, entry+": job "+name, asList(job["steps"]), commands, env, role, truth, 0); err != nil {
			return nil, err
		}
		v.Jobs = append(v.Jobs, j)
	}
	return v, nil
}

func circleSteps(v *Vendor, j *Job, where string, steps []any, commands map[string]any, env map[string]string, role string, truth *Truth, depth int) error {
	if depth > 5 {
		return fmt.Errorf("%s: commands nested too deep", where)
	}
	for i, s := range steps {
		var name string
		var params any
		switch s := s.(type) {
		case string:
			name = s
		case map[string]any:
			if len(s) != 1 {
				return fmt.Errorf("%s: step %d has %d keys", where, i+1, len(s))
			}
			for k, p := range s {
				name, params = k, p
			}
		}
		switch {
		case name == "run":
			cmd, stepEnv, label := "", map[string]string{}, ""
			for k, val := range env {
				stepEnv[k] = val
			}
			switch p := params.(type) {
			case string:
				cmd = p
			case map[string]any:
				cmd = asString(p["command"])
				label = asString(p["name"])
				for k, val := range asMap(p["environment"]) {
					stepEnv[k] = asString(val)
				}
			}
			w := fmt.Sprintf("%s, step %d", where, i+1)
			if label != "" {
				w = fmt.Sprintf("%s, step %q", where, label)
			}
			if err := addScript(v, j, Script{Where: w, Text: cmd, Env: stepEnv, Role: role}, truth); err != nil {
				return err
			}
		case commands[name] != nil:
			if err := circleSteps(v, j, where+" → command "+name, asList(asMap(commands[name])["steps"]), commands, env, role, truth, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// ---- Jenkins ---------------------------------------------------------------

// LoadJenkins reads a Jenkinsfile, following `load '...'` and
// `evaluate(readTrusted('...'))` of other Groovy files,
// and takes the `sh` steps as its scripts. The whole pipeline counts as one job:
// Jenkins keeps one workspace and PATH across its stages.
func LoadJenkins(root, entry string, truth *Truth) (*Vendor, error) {
	v := &Vendor{Name: "jenkins"}
	j := Job{Where: entry}
	var visit func(rel string, depth int) error
	visit = func(rel string, depth int) error {
		if depth > 5 {
			return fmt.Errorf("%s: loads nested too deep", rel)
		}
		src, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			return err
		}
		v.Files = append(v.Files, rel)
		g, err := ParseGroovy(string(src))
		if err != nil {
			return fmt.Errorf("%s: %v", rel, err)
		}
		for _, st := range g.Steps {
			where := fmt.Sprintf("%s:%d: %s", rel, st.Line, st.Name)
			switch st.Name {
			case "sh":
				if err := addScript(v, &j, Script{Where: where, Text: st.Arg, Env: map[string]string{}, Role: jenkinsRole(string(src), st.Line)}, truth); err != nil {
					return err
				}
			case "load", "readTrusted":
				if err := visit(st.Arg, depth+1); err != nil {
					return fmt.Errorf("%s loads %s: %w", rel, st.Arg, err)
				}
			}
		}
		v.Problems = append(v.Problems, prefixAll(rel+": ", g.Problems)...)
		return nil
	}
	if err := visit(entry, 0); err != nil {
		return nil, err
	}
	v.Jobs = []Job{j}
	return v, nil
}

func prefixAll(p string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}

// jenkinsRole is the role an `sh` step at line runs as: the last AWS_ROLE_ARN set (withEnv,
// an environment block) before it in the file ("" when none).
func jenkinsRole(src string, line int) string {
	lines := strings.Split(src, "\n")
	if line > len(lines) {
		line = len(lines)
	}
	role := ""
	for _, l := range lines[:line] {
		i := strings.Index(l, "AWS_ROLE_ARN")
		if i < 0 || strings.HasPrefix(strings.TrimSpace(l), "//") {
			continue
		}
		rest := strings.TrimLeft(l[i+len("AWS_ROLE_ARN"):], ` ='"`)
		role, _, _ = strings.Cut(rest, `"`)
	}
	return role
}
