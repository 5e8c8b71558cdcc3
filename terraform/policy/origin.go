package policy

import (
	"fmt"
	"strings"
)

// CheckPrivateOrigin: nothing of the API is public but CloudFront (issue 16, finding 7). Every
// aws_lb is internal (internal = true) in private subnets: in a module the subnets are a variable
// and every stack calling the module passes private subnets for it; a stack passes them as
// something named private_subnet…. CloudFront reaches such an ALB only through a CloudFront VPC
// origin (aws_cloudfront_vpc_origin), which needs no public address and no shared secret.
func CheckPrivateOrigin(t *Tree) []string {
	var out []string
	subnetVars := map[*Module][]string{}
	for _, m := range t.allModules() {
		for _, lb := range m.ResourcesOf("aws_lb") {
			if v, ok := literalBool(lb.Body, "internal"); !ok || !v {
				out = append(out, fmt.Sprintf("%s: %s must set internal = true: a public ALB can be reached around CloudFront; use a CloudFront VPC origin", lb.Where(), lb.Addr()))
			}
			raw := lb.Raw("subnets")
			switch {
			case strings.HasPrefix(raw, "var."):
				subnetVars[m] = append(subnetVars[m], strings.TrimPrefix(raw, "var."))
			case strings.Contains(raw, "private"):
			default:
				out = append(out, fmt.Sprintf("%s: %s subnets %q are not private subnets", lb.Where(), lb.Addr(), raw))
			}
		}
	}
	for _, m := range t.allModules() {
		for _, name := range sortedKeys(m.Calls) {
			call := m.Calls[name]
			target, _ := t.calledModule(call)
			for _, v := range subnetVars[target] {
				if !strings.Contains(v, "private") {
					out = append(out, fmt.Sprintf("%s: the ALB of module %q takes its subnets from variable %q: name and pass private subnets", call.Where(), name, v))
				}
				raw := rawAttr(call.Body, call.Src, v)
				if raw != "" && !strings.Contains(raw, "private_subnet") {
					out = append(out, fmt.Sprintf("%s: module %q places the ALB in %s = %q, which are not private subnets", call.Where(), name, v, raw))
				}
			}
		}
	}
	return out
}

// CheckNoOriginSecret: no shared secret between CloudFront and the origin (issue 16, finding 7):
// no custom_header on any distribution origin, no listener rule matching on a header, no
// random_password for one; every origin that is not the S3 bucket (read through OAC) is a
// CloudFront VPC origin (vpc_origin_config referring to an aws_cloudfront_vpc_origin of the
// module), never a custom_origin_config on the internet.
func CheckNoOriginSecret(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, d := range m.ResourcesOf("aws_cloudfront_distribution") {
			for _, o := range nested(d.Body, "origin") {
				id := rawAttr(o, d.Src, "origin_id")
				if len(nested(o, "custom_header")) > 0 {
					out = append(out, fmt.Sprintf("%s: %s origin %s sends a custom_header: an origin secret header can leak and be replayed; reach the origin through a CloudFront VPC origin instead", d.Where(), d.Addr(), id))
				}
				if rawAttr(o, d.Src, "origin_access_control_id") != "" {
					continue // the S3 bucket, read through OAC (CheckSiteBucket)
				}
				if len(nested(o, "custom_origin_config")) > 0 {
					out = append(out, fmt.Sprintf("%s: %s origin %s is a custom origin on the internet; use vpc_origin_config (aws_cloudfront_vpc_origin)", d.Where(), d.Addr(), id))
				}
				vpc := nested(o, "vpc_origin_config")
				ok := false
				for _, v := range vpc {
					for _, vo := range m.ResourcesOf("aws_cloudfront_vpc_origin") {
						if refersTo(rawAttr(v, d.Src, "vpc_origin_id"), "aws_cloudfront_vpc_origin", vo.Name) {
							ok = true
						}
					}
				}
				if !ok {
					out = append(out, fmt.Sprintf("%s: %s origin %s needs a vpc_origin_config referring to an aws_cloudfront_vpc_origin of this module", d.Where(), d.Addr(), id))
				}
			}
		}
		for _, r := range m.ResourcesOf("aws_lb_listener_rule") {
			for _, c := range nested(r.Body, "condition") {
				if len(nested(c, "http_header")) > 0 {
					out = append(out, fmt.Sprintf("%s: %s matches an http_header condition: no origin secret header; only the CloudFront VPC origin reaches the ALB", r.Where(), r.Addr()))
				}
			}
		}
		for _, r := range m.ResourcesOf("random_password") {
			if strings.Contains(r.Name, "origin") {
				out = append(out, fmt.Sprintf("%s: %s is an origin secret: CloudFront reaches the ALB through a VPC origin, no shared secret", r.Where(), r.Addr()))
			}
		}
	}
	return out
}

// CheckViewerHTTPS: every cache behaviour of every distribution serves viewers over HTTPS only
// (https-only or redirect-to-https), never allow-all.
func CheckViewerHTTPS(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, d := range m.ResourcesOf("aws_cloudfront_distribution") {
			all := nested(d.Body, "default_cache_behavior")
			for _, b := range behaviours(m, d) {
				all = append(all, b.body)
			}
			for _, b := range all {
				p, ok := literalString(b, "viewer_protocol_policy")
				if !ok || (p != "https-only" && p != "redirect-to-https") {
					out = append(out, fmt.Sprintf("%s: %s: viewer_protocol_policy %q: viewers must use HTTPS (https-only or redirect-to-https)", d.Where(), d.Addr(), rawAttr(b, d.Src, "viewer_protocol_policy")))
				}
			}
		}
	}
	return out
}
