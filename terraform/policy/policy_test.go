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
	{"private-origin", CheckPrivateOrigin},
	{"no-origin-secret", CheckNoOriginSecret},
	{"viewer-https", CheckViewerHTTPS},
	{"task-secrets", CheckTaskSecrets},
	{"transit-encryption", CheckTransitEncryption},
	{"service-roles", CheckServiceRoles},
	{"edge-waf", CheckEdgeWAF},
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
		{"backend_without_lockfile", CheckBackends, `backend "s3" must set use_lockfile = true`},
		{"backend_without_lockfile", CheckBackends, `required_version ">= 1.5.0" admits engines older than 1.10.0`},
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
		{"public_alb", CheckPrivateOrigin, `aws_lb.this must set internal = true`},
		{"public_alb", CheckPrivateOrigin, `places the ALB in public_subnet_ids = "var.public_subnet_ids", which are not private subnets`},
		{"origin_secret_header", CheckNoOriginSecret, `origin "api-alb" sends a custom_header`},
		{"origin_secret_header", CheckNoOriginSecret, `is a custom origin on the internet; use vpc_origin_config`},
		{"origin_secret_header", CheckNoOriginSecret, `aws_lb_listener_rule.api matches an http_header condition`},
		{"origin_secret_header", CheckNoOriginSecret, `random_password.origin_verify is an origin secret`},
		{"session_keys_in_environment", CheckTaskSecrets, `aws_ecs_task_definition.this puts SESSION_KEYS in the container's plain environment`},
		{"session_keys_in_environment", CheckTaskSecrets, `module "service" passes SESSION_KEYS in environment_variables`},
		{"session_keys_in_environment", CheckTaskSecrets, `module "service" passes DB_PASSWORD in environment_variables`},
		{"session_keys_in_environment", CheckTaskSecrets, `gets no SESSION_KEYS in its secrets`},
		{"cache_without_transit", CheckTransitEncryption, `aws_elasticache_cluster.this must set transit_encryption_enabled`},
		{"cache_without_transit", CheckTransitEncryption, `module "othercache" is not on CacheTransitAllowList`},
		{"database_plaintext", CheckTransitEncryption, `aws_rds_cluster_parameter_group.this must set require_secure_transport`},
		{"database_plaintext", CheckTransitEncryption, `module "database": require_secure_transport must be true by default`},
		{"database_plaintext", CheckTransitEncryption, `module "service": the API must connect to the database with TLS`},
		{"service_reads_master", CheckServiceRoles, `no aws_secretsmanager_secret for the session keys`},
		{"service_reads_master", CheckServiceRoles, `the task role may secretsmanager:GetSecretValue on arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:rds!cluster-`},
		{"service_reads_master", CheckServiceRoles, `the execution role needs secretsmanager:GetSecretValue`},
		{"viewer_allow_all", CheckViewerHTTPS, `viewer_protocol_policy "\"allow-all\""`},
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
	for _, e := range CacheTransitAllowList {
		if len(e.Reason) < 20 {
			t.Errorf("cache transit allow-list entry %s needs a written reason", e.Module)
		}
	}
	for _, e := range ActionAllowList {
		if len(e.Reason) < 20 {
			t.Errorf("allow-list entry %s/%s/%s needs a written reason", e.Module, e.Document, e.Action)
		}
	}
}
