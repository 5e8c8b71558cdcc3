package policy

import (
	"strings"
	"testing"
)

// Each broken variant of the real edge module and stack (its WAF web ACL weakened one way) fails
// CheckEdgeWAF, naming what is missing.
func TestEdgeWAFFailsOnEachBrokenVariant(t *testing.T) {
	const waf, main, vars, stack = "modules/edge/waf.tf", "modules/edge/main.tf", "modules/edge/variables.tf", "stacks/edge/main.tf"
	for _, c := range []struct {
		name  string
		edits []edit
		want  []string
	}{
		{"the order rule counts every request (no scope-down)", []edit{
			{waf, "          scope_down_statement {\n            and_statement {", "          dropped_scope_down {\n            and_statement {", 1}},
			[]string{`has no scope_down_statement`, `has no blocking rate-based rule per client address scoped to POST /api/orders`}},
		{"the order rule removed", []edit{
			{waf, "    orders  = { priority = 20, path = \"/api/orders\", limit = var.waf_order_rate_limit }\n", "", 1}},
			[]string{`aws_wafv2_web_acl.edge has no blocking rate-based rule per client address scoped to POST /api/orders`}},
		{"the distribution does not attach the web ACL", []edit{
			{main, "  web_acl_id          = local.web_acl_arn\n", "", 1}},
			[]string{`aws_cloudfront_distribution.this does not attach the web ACL (no web_acl_id)`}},
		{"the web ACL off by default", []edit{
			{vars, "  type        = bool\n  default     = true\n}\n\nvariable \"waf_session_rate_limit\"", "  type        = bool\n  default     = false\n}\n\nvariable \"waf_session_rate_limit\"", 1}},
			[]string{`aws_wafv2_web_acl.edge is not created by default`, `aws_cloudfront_distribution.this attaches no web ACL by default`}},
		{"the stack switches it off", []edit{
			{stack, "  web_acl_arn            = var.web_acl_arn\n", "  web_acl_arn            = var.web_acl_arn\n  create_web_acl         = false\n", 1}},
			[]string{`stack "edge", module "edge" as called: `, `aws_wafv2_web_acl.edge is not created by default`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			msgs := CheckEdgeWAF(brokenTree(t, []string{"modules/edge", "stacks/edge"}, c.edits))
			if len(msgs) == 0 {
				t.Fatalf("the broken variant passed CheckEdgeWAF; want %q", c.want)
			}
			all := strings.Join(msgs, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("CheckEdgeWAF's findings lack %q:\n%s", w, all)
				}
			}
		})
	}
}
