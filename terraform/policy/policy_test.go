package policy

import (
	"path/filepath"
	"strings"
	"testing"
)

// realTree is the project's terraform/ directory.
const realTree = ".."

type check struct {
	name string
	fn   func(*Tree) []string
}

var checks = []check{
	{"variables", CheckVariables},
	{"module-calls", CheckModuleCalls},
	{"stack-chain", CheckStackChain},
	{"stack-graph", CheckGraph},
	{"backends", CheckBackends},
	{"alb-ingress", CheckALBIngress},
	{"site-bucket", CheckSiteBucket},
	{"private-placement", CheckPrivatePlacement},
	{"data-tier-ingress", CheckDataTierIngress},
	{"nat-per-az", CheckNATPerAZ},
	{"encryption", CheckEncryption},
	{"iam-actions", CheckIAMActions},
	{"ci-roles", CheckCIRoles},
	{"workload-boundary", CheckWorkloadBoundary},
	{"edge-micro-cache", CheckEdgeMicroCache},
	{"scheduled-capacity", CheckScheduledCapacity},
}

func load(t *testing.T, root string) *Tree {
	t.Helper()
	tree, err := LoadTree(root)
	if err != nil {
		t.Fatalf("load %s: %v", root, err)
	}
	return tree
}

// The project's own tree passes every check.
func TestRealTreePassesEveryCheck(t *testing.T) {
	tree := load(t, realTree)
	if len(tree.Modules) < 9 || len(tree.Stacks) != len(StackOrder) {
		t.Fatalf("expected the 9 modules and %d stacks, found %d modules and %d stacks", len(StackOrder), len(tree.Modules), len(tree.Stacks))
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range c.fn(tree) {
				t.Errorf("%s", f)
			}
		})
	}
}

// Each check fails on a small broken fixture, with a specific message: proof that it can fail.
func TestEveryCheckFailsOnItsBrokenFixture(t *testing.T) {
	cases := []struct {
		fixture string
		check   func(*Tree) []string
		want    string
	}{
		{"untyped_variable", CheckVariables, `variable "subnet_ids" has no type`},
		{"undescribed_output", CheckVariables, `output "id" has no description`},
		{"undeclared_module_arg", CheckModuleCalls, `passes "colour", which is not declared`},
		{"missing_required_arg", CheckModuleCalls, `does not pass required variable "name"`},
		{"unknown_module_output", CheckModuleCalls, `module "thing" has no output "arn"`},
		{"chain_type_mismatch", CheckStackChain, `variable "private_subnet_ids" has type string but stack "network" outputs list(string)`},
		{"remote_state", CheckStackChain, `reads remote state`},
		{"unprovided_input", CheckStackChain, `required input "queue_url" of stack "service" is neither an upstream stack output nor a pipeline input`},
		{"backend_hardcoded", CheckBackends, `must be a partial configuration`},
		{"alb_cidr_ingress", CheckALBIngress, `ALB ingress must come only from the CloudFront origin-facing managed prefix list`},
		{"site_bucket_public", CheckSiteBucket, `needs an aws_s3_bucket_public_access_block with all four settings true`},
		{"site_bucket_oai", CheckSiteBucket, `must use an Origin Access Control`},
		{"ecs_public_ip", CheckPrivatePlacement, `must set assign_public_ip = false`},
		{"ecs_public_subnets", CheckPrivatePlacement, `which are not private subnets`},
		{"data_cidr_ingress", CheckDataTierIngress, `data-tier ingress must reference a security group, never a CIDR`},
		{"single_nat", CheckNATPerAZ, `NAT gateway count must follow the availability zones`},
		{"unencrypted_aurora", CheckEncryption, `must set storage_encrypted = true`},
		{"plain_log_group", CheckEncryption, `must be encrypted with a KMS key`},
		{"iam_star_action", CheckIAMActions, `allows wildcard action "*"`},
		{"iam_service_wildcard", CheckIAMActions, `allows wildcard action "s3:*"`},
		{"oidc_without_sub", CheckIAMActions, `must pin both :aud and :sub`},
		{"role_without_boundary", CheckWorkloadBoundary, `aws_iam_role.task must set permissions_boundary = var.permissions_boundary_arn`},
		{"edge_microcache_after_api", CheckEdgeMicroCache, `the cache behaviour for /api/drops/current comes after /api/*`},
		{"edge_microcache_cookie_key", CheckEdgeMicroCache, `must set cookie_behavior = "none"`},
		{"edge_microcache_cookie_key", CheckEdgeMicroCache, `allows POST; it must only read`},
		{"edge_microcache_cookie_key", CheckEdgeMicroCache, `default_ttl must be 1-5 seconds`},
		{"edge_microcache_cookie_key", CheckEdgeMicroCache, `has no cache behaviour for /api/products/*`},
		{"scheduled_capacity_reset", CheckScheduledCapacity, `does not ignore changes to min_capacity`},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			tree := load(t, filepath.Join("testdata", c.fixture))
			findings := c.check(tree)
			if len(findings) == 0 {
				t.Fatalf("check passed on broken fixture %s; want a finding containing %q", c.fixture, c.want)
			}
			for _, f := range findings {
				if strings.Contains(f, c.want) {
					return
				}
			}
			t.Fatalf("no finding contains %q; got:\n  %s", c.want, strings.Join(findings, "\n  "))
		})
	}
}

// The allow-list documents every exception.
func TestAllowListHasReasons(t *testing.T) {
	for _, e := range ActionAllowList {
		if len(e.Reason) < 20 {
			t.Errorf("allow-list entry %s/%s/%s needs a written reason", e.Module, e.Document, e.Action)
		}
	}
}
