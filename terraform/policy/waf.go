package policy

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// RateLimitedRoutes are the requests that cost the shop (a session minted, an order placed): the
// edge's web ACL limits each per client address, answered before the request reaches the origin.
var RateLimitedRoutes = []struct{ Method, Path string }{
	{"POST", "/api/session"},
	{"POST", "/api/orders"},
}

// scope is what a rate-based rule's scope-down statement narrows it to (an AND of byte matches).
type scope struct {
	methods, paths []string
}

// CheckEdgeWAF: a module whose CloudFront distribution fronts the API (a /api/* behaviour) creates
// an aws_wafv2_web_acl with scope CLOUDFRONT by default (its count is not 0 with the module's
// defaults), attaches it (the distribution's web_acl_id refers to it and is not empty with the
// defaults), and the ACL holds, for each of RateLimitedRoutes, a blocking rate-based rule per client
// address scoped down to exactly that method and path. A rate rule without a scope-down statement
// is named: it would count every request of every page, and throttle browsing, not minting. The
// module is evaluated with its variables' defaults (iamrender.go), so dynamic rules built from a
// local map count like written ones.
//
// A stack calling such a module is checked again with the arguments it passes (evaluated with the
// stack's defaults): a stack switching the ACL off, or passing an empty one, fails too.
func CheckEdgeWAF(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, d := range apiDistributions(m) {
			out = append(out, checkDistributionWAF(m, d, nil, "")...)
		}
	}
	for _, sname := range sortedKeys(t.Stacks) {
		s := t.Stacks[sname]
		var rs *Rendered
		for _, cname := range sortedKeys(s.Calls) {
			call := s.Calls[cname]
			target, _ := t.calledModule(call)
			if target == nil || len(apiDistributions(target)) == 0 {
				continue
			}
			if rs == nil {
				rs = Render(s, DefaultEnv(nil))
			}
			vars := map[string]cty.Value{}
			for name, a := range call.Body.Attributes {
				if metaArgs[name] {
					continue
				}
				if v, err := rs.Eval(a.Expr); err == nil && v.IsWhollyKnown() {
					vars[name] = v
				}
			}
			for _, d := range apiDistributions(target) {
				out = append(out, checkDistributionWAF(target, d, vars, fmt.Sprintf("%s: stack %q, module %q as called: ", call.Where(), sname, cname))...)
			}
		}
	}
	return dedupe(out)
}

// apiDistributions are the module's CloudFront distributions with a /api/* behaviour.
func apiDistributions(m *Module) []*Block {
	var out []*Block
	for _, d := range m.ResourcesOf("aws_cloudfront_distribution") {
		for _, b := range behaviours(m, d) {
			if contains(b.patterns, "/api/*") {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

func checkDistributionWAF(m *Module, d *Block, vars map[string]cty.Value, prefix string) []string {
	out := checkDistributionWAFIn(m, d, vars)
	if prefix != "" {
		for i := range out {
			out[i] = prefix + out[i]
		}
	}
	return out
}

func checkDistributionWAFIn(m *Module, d *Block, vars map[string]cty.Value) []string {
	var out []string
	acls := m.ResourcesOf("aws_wafv2_web_acl")
	if len(acls) == 0 {
		return []string{fmt.Sprintf("%s: %s fronts the API but the module creates no aws_wafv2_web_acl (rate limits on %s)", d.Where(), d.Addr(), routeList())}
	}
	r := Render(m, DefaultEnv(vars))
	// Attached: web_acl_id refers to one of the module's ACLs and is set with the defaults.
	a, ok := d.Body.Attributes["web_acl_id"]
	var attached *Block
	if !ok {
		out = append(out, fmt.Sprintf("%s: %s does not attach the web ACL (no web_acl_id): the rate rules never see a request", d.Where(), d.Addr()))
	} else {
		refs := expandLocals(m, a.Expr, 0)
		for _, acl := range acls {
			if refs[acl.Addr()] {
				attached = acl
			}
		}
		v, err := r.Eval(a.Expr)
		switch {
		case attached == nil:
			out = append(out, fmt.Sprintf("%s: %s web_acl_id = %s does not refer to the module's %s: the rate rules are not attached", d.Where(), d.Addr(), d.Raw("web_acl_id"), acls[0].Addr()))
		case err == nil && (v.IsNull() || (v.IsKnown() && v.Type() == cty.String && v.AsString() == "")):
			out = append(out, fmt.Sprintf("%s: %s attaches no web ACL by default (web_acl_id = %s is empty): the ACL must be on by default", d.Where(), d.Addr(), d.Raw("web_acl_id")))
		}
	}
	for _, acl := range acls {
		if attached != nil && acl != attached {
			continue
		}
		out = append(out, checkWebACL(r, acl)...)
	}
	return out
}

func checkWebACL(r *Rendered, acl *Block) []string {
	var out []string
	if c, ok := acl.Body.Attributes["count"]; ok {
		if n, err := r.Eval(c.Expr); err == nil && n.IsKnown() && !n.IsNull() && n.Type() == cty.Number && n.RawEquals(cty.NumberIntVal(0)) {
			out = append(out, fmt.Sprintf("%s: %s is not created by default (count = %s is 0): the web ACL must be on by default", acl.Where(), acl.Addr(), acl.Raw("count")))
		}
	}
	if s := r.Attr(acl, "scope"); s != "CLOUDFRONT" {
		out = append(out, fmt.Sprintf("%s: %s scope must be CLOUDFRONT (got %q) to attach to the distribution", acl.Where(), acl.Addr(), s))
	}
	rules, ctxs, err := expandBlocks(acl.Body, "rule", r.ctx)
	if err != nil {
		return append(out, fmt.Sprintf("%s: %s: the rules cannot be evaluated with the module's defaults: %v", acl.Where(), acl.Addr(), err))
	}
	covered := map[string]bool{}
	for i, rule := range rules {
		ctx := ctxs[i]
		name, _ := attrString(rule, "name", ctx)
		for _, st := range nested(rule, "statement") {
			for _, rb := range nested(st, "rate_based_statement") {
				sd := nested(rb, "scope_down_statement")
				if len(sd) == 0 {
					out = append(out, fmt.Sprintf("%s: %s rate-based rule %q has no scope_down_statement: it counts every request to the site, not the %s it is meant to limit", acl.Where(), acl.Addr(), name, routeList()))
					continue
				}
				if key, _ := attrString(rb, "aggregate_key_type", ctx); key != "" && key != "IP" && key != "FORWARDED_IP" {
					continue // not per client address
				}
				if !blocks(rule) {
					continue // counted, never refused
				}
				sc := scopeOf(sd[0], ctx)
				for _, rt := range RateLimitedRoutes {
					if contains(sc.methods, rt.Method) && contains(sc.paths, rt.Path) {
						covered[rt.Method+" "+rt.Path] = true
					}
				}
			}
		}
	}
	for _, rt := range RateLimitedRoutes {
		if !covered[rt.Method+" "+rt.Path] {
			out = append(out, fmt.Sprintf("%s: %s has no blocking rate-based rule per client address scoped to %s %s (a scope_down_statement matching method %s and uri_path %s exactly)", acl.Where(), acl.Addr(), rt.Method, rt.Path, rt.Method, rt.Path))
		}
	}
	return out
}

// blocks: the rule's action refuses the request (block), rather than counting or allowing it.
func blocks(rule *hclsyntax.Body) bool {
	for _, a := range nested(rule, "action") {
		if len(nested(a, "block")) > 0 {
			return true
		}
	}
	return false
}

// scopeOf collects the methods and paths a scope-down statement requires: a byte match on the
// method or the URI path (positional constraint EXACTLY), alone or inside an and_statement. An
// or_statement or not_statement widens the scope and is not followed.
func scopeOf(st *hclsyntax.Body, ctx *hcl.EvalContext) scope {
	var sc scope
	for _, bm := range nested(st, "byte_match_statement") {
		if pc, _ := attrString(bm, "positional_constraint", ctx); pc != "EXACTLY" {
			continue
		}
		s, err := attrString(bm, "search_string", ctx)
		if err != nil {
			continue
		}
		for _, f := range nested(bm, "field_to_match") {
			if len(nested(f, "method")) > 0 {
				sc.methods = append(sc.methods, s)
			}
			if len(nested(f, "uri_path")) > 0 {
				sc.paths = append(sc.paths, s)
			}
		}
	}
	for _, and := range nested(st, "and_statement") {
		for _, inner := range nested(and, "statement") {
			in := scopeOf(inner, ctx)
			sc.methods = append(sc.methods, in.methods...)
			sc.paths = append(sc.paths, in.paths...)
		}
	}
	return sc
}

// expandLocals lists the resource addresses ("type.name") an expression refers to, through the
// module's locals.
func expandLocals(m *Module, e hcl.Expression, depth int) map[string]bool {
	out := map[string]bool{}
	if depth > 8 {
		return out
	}
	for _, tr := range e.Variables() {
		names := traversalNames(tr)
		if len(names) < 2 {
			continue
		}
		if names[0] == "local" {
			for _, b := range m.All {
				if a, ok := b.Body.Attributes[names[1]]; ok && b.Kind == "locals" {
					for k := range expandLocals(m, a.Expr, depth+1) {
						out[k] = true
					}
				}
			}
			continue
		}
		out[names[0]+"."+names[1]] = true
	}
	return out
}

func routeList() string {
	var s []string
	for _, r := range RateLimitedRoutes {
		s = append(s, r.Method+" "+r.Path)
	}
	return strings.Join(s, " and ")
}
