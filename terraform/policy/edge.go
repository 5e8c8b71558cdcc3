package policy

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// MicroCachedPaths are the rush's public reads that CloudFront must serve from its micro-cache
// (the backend sends the matching Cache-Control for exactly these routes).
var MicroCachedPaths = []string{"/api/drops/current", "/api/products/*"}

// behaviour is one ordered_cache_behavior of a distribution (static, or a dynamic block's content),
// with the path patterns it stands for.
type behaviour struct {
	body     *hclsyntax.Body
	patterns []string
}

// behaviours lists a distribution's ordered cache behaviours in source order (the order
// CloudFront evaluates them); a dynamic block's patterns come from the literal default of the
// module variable it iterates over.
func behaviours(m *Module, d *Block) []behaviour {
	var out []behaviour
	for _, b := range d.Body.Blocks {
		switch {
		case b.Type == "ordered_cache_behavior":
			p, _ := literalString(b.Body, "path_pattern")
			out = append(out, behaviour{body: b.Body, patterns: []string{p}})
		case b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == "ordered_cache_behavior":
			var patterns []string
			if v, ok := strings.CutPrefix(rawAttr(b.Body, d.Src, "for_each"), "var."); ok {
				if vb := m.Variables[v]; vb != nil {
					patterns, _ = literalStrings(vb.Body, "default")
				}
			} else {
				patterns, _ = literalStrings(b.Body, "for_each")
			}
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					out = append(out, behaviour{body: c.Body, patterns: patterns})
				}
			}
		}
	}
	return out
}

// literalNumber resolves a number attribute: a literal, or var.X with a literal default.
func literalNumber(m *Module, body *hclsyntax.Body, src []byte, name string) (float64, bool) {
	a, found := body.Attributes[name]
	if !found {
		return 0, false
	}
	if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type().FriendlyName() == "number" {
		f, _ := v.AsBigFloat().Float64()
		return f, true
	}
	if v, ok := strings.CutPrefix(rawAttr(body, src, name), "var."); ok {
		if vb := m.Variables[v]; vb != nil {
			if dv, diags := vb.Body.Attributes["default"].Expr.Value(nil); vb.Body.Attributes["default"] != nil && !diags.HasErrors() && dv.Type().FriendlyName() == "number" {
				f, _ := dv.AsBigFloat().Float64()
				return f, true
			}
		}
	}
	return 0, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CheckEdgeMicroCache: a distribution with an API origin serves MicroCachedPaths from their own
// cache behaviour, evaluated before the catch-all /api/*, reading only (GET/HEAD/OPTIONS), with a
// cache policy of this module whose TTL is 1-5 s and whose key holds no cookie, header or query
// string (one shared entry for every buyer; nothing of a viewer can leak into it), and no origin
// request policy (nothing of the viewer is forwarded to the origin either).
func CheckEdgeMicroCache(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, d := range m.ResourcesOf("aws_cloudfront_distribution") {
			bs := behaviours(m, d)
			catchAll := -1
			for i, b := range bs {
				if contains(b.patterns, "/api/*") && catchAll < 0 {
					catchAll = i
				}
			}
			if catchAll < 0 {
				continue // no API behind this distribution
			}
			for _, path := range MicroCachedPaths {
				idx := -1
				for i, b := range bs {
					if contains(b.patterns, path) {
						idx = i
						break
					}
				}
				if idx < 0 {
					out = append(out, fmt.Sprintf("%s: %s has no cache behaviour for %s (the edge micro-cache of the rush's reads)", d.Where(), d.Addr(), path))
					continue
				}
				if idx > catchAll {
					out = append(out, fmt.Sprintf("%s: the cache behaviour for %s comes after /api/*, so CloudFront never uses it", d.Where(), path))
				}
				b := bs[idx].body
				methods, _ := literalStrings(b, "allowed_methods")
				for _, meth := range methods {
					if meth != "GET" && meth != "HEAD" && meth != "OPTIONS" {
						out = append(out, fmt.Sprintf("%s: the micro-cache behaviour for %s allows %s; it must only read", d.Where(), path, meth))
					}
				}
				if b.Attributes["origin_request_policy_id"] != nil {
					out = append(out, fmt.Sprintf("%s: the micro-cache behaviour for %s must not forward viewer data (no origin_request_policy_id)", d.Where(), path))
				}
				ref, ok := strings.CutPrefix(rawAttr(b, d.Src, "cache_policy_id"), "aws_cloudfront_cache_policy.")
				cp := m.Find("aws_cloudfront_cache_policy." + strings.TrimSuffix(ref, ".id"))
				if !ok || cp == nil {
					out = append(out, fmt.Sprintf("%s: the micro-cache behaviour for %s must use an aws_cloudfront_cache_policy of this module", d.Where(), path))
					continue
				}
				out = append(out, checkMicroCachePolicy(m, cp)...)
			}
		}
	}
	return dedupe(out)
}

func checkMicroCachePolicy(m *Module, cp *Block) []string {
	var out []string
	for _, a := range []string{"default_ttl", "max_ttl"} {
		v, ok := literalNumber(m, cp.Body, cp.Src, a)
		if !ok || v < 1 || v > 5 {
			out = append(out, fmt.Sprintf("%s: %s %s must be 1-5 seconds (a micro-cache; stock shown must stay fresh)", cp.Where(), cp.Addr(), a))
		}
	}
	params := nested(cp.Body, "parameters_in_cache_key_and_forwarded_to_origin")
	if len(params) != 1 {
		return append(out, fmt.Sprintf("%s: %s must set parameters_in_cache_key_and_forwarded_to_origin", cp.Where(), cp.Addr()))
	}
	for blk, attr := range map[string]string{"cookies_config": "cookie_behavior", "headers_config": "header_behavior", "query_strings_config": "query_string_behavior"} {
		cfg := nested(params[0], blk)
		v := ""
		if len(cfg) == 1 {
			v, _ = literalString(cfg[0], attr)
		}
		if v != "none" {
			out = append(out, fmt.Sprintf("%s: %s must set %s = \"none\" (one shared entry for every buyer)", cp.Where(), cp.Addr(), attr))
		}
	}
	return out
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
