package policy

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func (t *Tree) allModules() []*Module {
	var out []*Module
	for _, group := range []map[string]*Module{t.Modules, t.Stacks} {
		keys := make([]string, 0, len(group))
		for k := range group {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, group[k])
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// CheckVariables: every variable has a type and a description; every output a description.
func CheckVariables(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, name := range sortedKeys(m.Variables) {
			v := m.Variables[name]
			if !v.Has("type") {
				out = append(out, fmt.Sprintf("%s: variable %q has no type", v.Where(), name))
			}
			if d, ok := literalString(v.Body, "description"); !ok || strings.TrimSpace(d) == "" {
				out = append(out, fmt.Sprintf("%s: variable %q has no description", v.Where(), name))
			}
		}
		for _, name := range sortedKeys(m.Outputs) {
			o := m.Outputs[name]
			if d, ok := literalString(o.Body, "description"); !ok || strings.TrimSpace(d) == "" {
				out = append(out, fmt.Sprintf("%s: output %q has no description", o.Where(), name))
			}
		}
	}
	return out
}

var metaArgs = map[string]bool{"source": true, "version": true, "providers": true, "count": true, "for_each": true, "depends_on": true}

// calledModule resolves a local module source to a module of the tree.
func (t *Tree) calledModule(call *Block) (*Module, string) {
	src, _ := literalString(call.Body, "source")
	if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") {
		return nil, src
	}
	dir := filepath.Clean(filepath.Join(filepath.Dir(call.File), src))
	for _, m := range t.Modules {
		if filepath.Clean(m.Dir) == dir {
			return m, src
		}
	}
	return nil, src
}

// CheckModuleCalls: every module call passes only declared variables and all required ones, and
// every module.X.Y reference names an existing output.
func CheckModuleCalls(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, name := range sortedKeys(m.Calls) {
			call := m.Calls[name]
			target, src := t.calledModule(call)
			if target == nil {
				out = append(out, fmt.Sprintf("%s: module %q: source %q is not a module of this tree", call.Where(), name, src))
				continue
			}
			for _, arg := range sortedKeys(call.Body.Attributes) {
				if metaArgs[arg] {
					continue
				}
				if _, ok := target.Variables[arg]; !ok {
					out = append(out, fmt.Sprintf("%s: module %q passes %q, which is not declared in %s", call.Where(), name, arg, src))
				}
			}
			for _, v := range sortedKeys(target.Variables) {
				if target.Variables[v].Has("default") {
					continue
				}
				if _, ok := call.Body.Attributes[v]; !ok {
					out = append(out, fmt.Sprintf("%s: module %q does not pass required variable %q of %s", call.Where(), name, v, src))
				}
			}
		}
		// module.X.Y references
		for _, b := range m.All {
			walkExprs(b.Body, func(e hclsyntax.Expression) {
				for _, tr := range e.Variables() {
					names := traversalNames(tr)
					if len(names) < 3 || names[0] != "module" {
						continue
					}
					call, ok := m.Calls[names[1]]
					if !ok {
						out = append(out, fmt.Sprintf("%s: reference to undeclared module %q", b.Where(), names[1]))
						continue
					}
					target, _ := t.calledModule(call)
					if target == nil {
						continue
					}
					if _, ok := target.Outputs[names[2]]; !ok {
						out = append(out, fmt.Sprintf("%s: module.%s.%s: module %q has no output %q", b.Where(), names[1], names[2], names[1], names[2]))
					}
				}
			})
		}
	}
	return out
}

var spaces = regexp.MustCompile(`\s+`)

// DeclaredType is a variable block's type constraint as written (normalised spacing).
func DeclaredType(b *Block) string { return normType(b.Raw("type")) }

func normType(s string) string {
	s = spaces.ReplaceAllString(s, "")
	switch s {
	case "list", "list(any)":
		return "list(string)"
	}
	return s
}

var listFuncs = map[string]bool{"concat": true, "tolist": true, "slice": true, "compact": true, "distinct": true, "sort": true, "flatten": true, "keys": true, "values": true}

// numberAttrs are provider attributes known to be numbers.
var numberAttrs = map[string]bool{"port": true}

// inferType guesses the type of an expression of module m ("" when it cannot).
func (t *Tree) inferType(m *Module, e hclsyntax.Expression, depth int) string {
	if depth > 8 {
		return ""
	}
	switch x := e.(type) {
	case *hclsyntax.TemplateExpr, *hclsyntax.TemplateWrapExpr:
		return "string"
	case *hclsyntax.SplatExpr, *hclsyntax.TupleConsExpr:
		return "list(string)"
	case *hclsyntax.ForExpr:
		if x.KeyExpr != nil {
			return "map(string)"
		}
		return "list(string)"
	case *hclsyntax.ObjectConsExpr:
		return "map(string)"
	case *hclsyntax.ConditionalExpr:
		return t.inferType(m, x.TrueResult, depth+1)
	case *hclsyntax.FunctionCallExpr:
		switch {
		case listFuncs[x.Name]:
			return "list(string)"
		case x.Name == "tonumber" || x.Name == "length":
			return "number"
		case x.Name == "try" || x.Name == "coalesce":
			if len(x.Args) > 0 {
				return t.inferType(m, x.Args[0], depth+1)
			}
		}
		return "string"
	case *hclsyntax.LiteralValueExpr:
		return x.Val.Type().FriendlyName()
	case *hclsyntax.ScopeTraversalExpr, *hclsyntax.RelativeTraversalExpr, *hclsyntax.IndexExpr:
		vars := e.Variables()
		if len(vars) != 1 {
			return ""
		}
		names := traversalNames(vars[0])
		switch names[0] {
		case "var":
			if v, ok := m.Variables[names[1]]; ok {
				ty := normType(v.Raw("type"))
				if strings.HasPrefix(ty, "list(") && hasIndex(e) {
					return strings.TrimSuffix(strings.TrimPrefix(ty, "list("), ")")
				}
				return ty
			}
			return ""
		case "module":
			if len(names) < 3 {
				return ""
			}
			call, ok := m.Calls[names[1]]
			if !ok {
				return ""
			}
			target, _ := t.calledModule(call)
			if target == nil {
				return ""
			}
			o, ok := target.Outputs[names[2]]
			if !ok {
				return ""
			}
			ty := t.inferType(target, o.Body.Attributes["value"].Expr, depth+1)
			if strings.HasPrefix(ty, "list(") && hasIndex(e) {
				return "string"
			}
			return ty
		case "local":
			for _, b := range m.All {
				if a, ok := b.Body.Attributes[names[1]]; ok && b.Kind == "locals" {
					return t.inferType(m, a.Expr, depth+1)
				}
			}
			return ""
		default:
			if numberAttrs[names[len(names)-1]] {
				return "number"
			}
			return "string"
		}
	}
	return ""
}

func hasIndex(e hclsyntax.Expression) bool {
	switch x := e.(type) {
	case *hclsyntax.IndexExpr:
		return true
	case *hclsyntax.ScopeTraversalExpr:
		// var.x[0] parses as a traversal with an index step after the root attributes.
		return len(x.Traversal) > 2 && fmt.Sprintf("%T", x.Traversal[len(x.Traversal)-1]) == "hcl.TraverseIndex"
	}
	return false
}

// OutputType infers the type of a stack output ("" when unknown).
func (t *Tree) OutputType(stack *Module, output string) string {
	o, ok := stack.Outputs[output]
	if !ok {
		return ""
	}
	a, ok := o.Body.Attributes["value"]
	if !ok {
		return ""
	}
	return t.inferType(stack, a.Expr, 0)
}

// PipelineInputs are the stack inputs the pipeline provides itself (not upstream outputs).
var PipelineInputs = map[string]string{
	"region":            "every stack",
	"environment":       "every stack",
	"event_name":        "every stack",
	"event_time_zone":   "service: the event's midnight",
	"image":             "service: repository_url@sha256:<digest> of the pushed image",
	"state_bucket_name": "base: the -backend-config bucket",
	"lock_table_name":   "base: the -backend-config dynamodb_table",
	"measured_capacity": "service: backend/bench/capacity.json, the benchmark's capacity record as it is",
	// From terraform/environments (every environment declares it; the sizing check fails otherwise).
	"expected_peak_customers_per_second": "service: the event's forecast peak (terraform/environments)",
}

// CheckStackChain: a stack variable named like an output of an upstream stack has the type of
// that output (the pipeline passes outputs as -var values by name); every output's type can be
// inferred; no stack reads another's state.
func CheckStackChain(t *Tree) []string {
	var out []string
	var upstream []*Module
	for _, name := range StackOrder {
		s, ok := t.Stacks[name]
		if !ok {
			continue
		}
		for _, d := range s.DataOf("terraform_remote_state") {
			out = append(out, fmt.Sprintf("%s: stack %q reads remote state (%s); upstream values must be passed as variables", d.Where(), name, d.Addr()))
		}
		for _, vname := range sortedKeys(s.Variables) {
			v := s.Variables[vname]
			for _, up := range upstream {
				if _, ok := up.Outputs[vname]; !ok {
					continue
				}
				got := t.OutputType(up, vname)
				want := normType(v.Raw("type"))
				if got != want {
					out = append(out, fmt.Sprintf("%s: stack %q variable %q has type %s but stack %q outputs %s", v.Where(), name, vname, want, up.Name, orUnknown(got)))
				}
			}
		}
		for _, vname := range sortedKeys(s.Variables) {
			if s.Variables[vname].Has("default") || PipelineInputs[vname] != "" {
				continue
			}
			provided := false
			for _, up := range upstream {
				if _, ok := up.Outputs[vname]; ok {
					provided = true
				}
			}
			if !provided {
				out = append(out, fmt.Sprintf("%s: required input %q of stack %q is neither an upstream stack output nor a pipeline input", s.Variables[vname].Where(), vname, name))
			}
		}
		for _, oname := range sortedKeys(s.Outputs) {
			if t.OutputType(s, oname) == "" {
				out = append(out, fmt.Sprintf("%s: cannot infer the type of output %q of stack %q", s.Outputs[oname].Where(), oname, name))
			}
		}
		upstream = append(upstream, s)
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown type"
	}
	return s
}

// CheckBackends: every stack declares a partial s3 backend (bucket, key,
// region, the optional dynamodb_table via -backend-config) whose one
// setting is use_lockfile = true: state locks are S3 objects (the engine's
// S3-native locking, 1.10 and newer), so no stack depends on a DynamoDB
// table, and its required_version admits no engine older than that.
func CheckBackends(t *Tree) []string {
	var out []string
	for _, group := range []map[string]*Module{t.Stacks} {
		for _, name := range sortedKeys(group) {
			m := group[name]
			found := false
			for _, tb := range m.Terraform {
				for _, b := range tb.Body.Blocks {
					if b.Type != "backend" {
						continue
					}
					found = true
					if len(b.Labels) != 1 || b.Labels[0] != "s3" {
						out = append(out, fmt.Sprintf("%s: backend must be s3", tb.Where()))
					}
					var other []string
					for _, k := range sortedKeys(b.Body.Attributes) {
						if k != "use_lockfile" {
							other = append(other, k)
						}
					}
					if len(other) > 0 {
						out = append(out, fmt.Sprintf("%s: backend \"s3\" must be a partial configuration (values via -backend-config), found %s", tb.Where(), strings.Join(other, ", ")))
					}
					if on, ok := literalBool(b.Body, "use_lockfile"); !ok || !on {
						out = append(out, fmt.Sprintf("%s: backend \"s3\" must set use_lockfile = true (S3-native state locks; the DynamoDB table is optional)", tb.Where()))
					}
				}
				if v, ok := literalString(tb.Body, "required_version"); ok && !admitsOnlyLockfileEngines(v) {
					out = append(out, fmt.Sprintf("%s: required_version %q admits engines older than %s, whose S3 backend has no use_lockfile", tb.Where(), v, minLockfileVersion))
				}
			}
			if !found {
				out = append(out, fmt.Sprintf("%s: no backend \"s3\" block", m.Dir))
			}
		}
	}
	return out
}

// minLockfileVersion is the first engine release (OpenTofu and Terraform)
// with the S3 backend's use_lockfile (.dagger/tfengine's MinLockfileVersion).
const minLockfileVersion = "1.10.0"

// admitsOnlyLockfileEngines: a constraint holding a lower bound ">= x.y.z"
// (or "~> x.y") at or above minLockfileVersion.
func admitsOnlyLockfileEngines(constraint string) bool {
	for _, part := range strings.Split(constraint, ",") {
		part = strings.TrimSpace(part)
		for _, op := range []string{">=", "~>"} {
			if v, ok := strings.CutPrefix(part, op); ok && !versionLess(strings.TrimSpace(v), minLockfileVersion) {
				return true
			}
		}
	}
	return false
}

// versionLess compares dotted numeric versions ("1.9" < "1.10.0").
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < 3; i++ {
		var x, y int
		if i < len(as) {
			fmt.Sscanf(as[i], "%d", &x)
		}
		if i < len(bs) {
			fmt.Sscanf(bs[i], "%d", &y)
		}
		if x != y {
			return x < y
		}
	}
	return false
}
