package tfplan

import (
	"errors"
	"strings"
	"testing"
)

// A data-stack plan after a rename of database_name: Aurora replaced, the
// cache deleted, an ordinary security group rule replaced.
const dataPlan = `{
  "format_version": "1.2",
  "resource_changes": [
    {"address": "module.database.aws_rds_cluster.this", "type": "aws_rds_cluster", "change": {"actions": ["delete", "create"]}},
    {"address": "module.database.aws_rds_cluster_instance.this[0]", "type": "aws_rds_cluster_instance", "change": {"actions": ["create", "delete"]}},
    {"address": "module.cache.aws_elasticache_cluster.this", "type": "aws_elasticache_cluster", "change": {"actions": ["delete"]}},
    {"address": "module.cache.aws_security_group_rule.x", "type": "aws_security_group_rule", "change": {"actions": ["delete", "create"]}},
    {"address": "module.registry.aws_ecr_repository.this", "type": "aws_ecr_repository", "change": {"actions": ["update"]}}
  ]
}`

func mustParse(t *testing.T, js string) Summary {
	t.Helper()
	s, err := Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGuardRefusesProtectedDeletesAndReplacements(t *testing.T) {
	s := mustParse(t, dataPlan)
	_, err := Guard("data", s, nil)
	var refused *RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("Guard = %v, want a RefusedError", err)
	}
	got := map[string]string{}
	for _, c := range refused.Changes {
		got[c.Address] = c.Action
	}
	want := map[string]string{
		"module.database.aws_rds_cluster.this":             "replace",
		"module.database.aws_rds_cluster_instance.this[0]": "replace",
		"module.cache.aws_elasticache_cluster.this":        "delete",
	}
	if len(got) != len(want) {
		t.Fatalf("refused %v, want %v", got, want)
	}
	for a, act := range want {
		if got[a] != act {
			t.Errorf("refused[%s] = %q, want %q", a, got[a], act)
		}
	}
	msg := err.Error()
	for _, w := range []string{"stack data: the plan would delete and replace protected resources; nothing was applied",
		"--allow-destroy=data:module.database.aws_rds_cluster.this",
		"-/+ module.database.aws_rds_cluster.this (replace)"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message lacks %q:\n%s", w, msg)
		}
	}
}

func TestGuardAllowsExactlyTheNamedResources(t *testing.T) {
	s := mustParse(t, dataPlan)
	allow := []string{"data:module.database.aws_rds_cluster.this", "data:module.database.aws_rds_cluster_instance.this[0]"}
	allowed, err := Guard("data", s, allow)
	var refused *RefusedError
	if !errors.As(err, &refused) || len(refused.Changes) != 1 || refused.Changes[0].Address != "module.cache.aws_elasticache_cluster.this" {
		t.Fatalf("Guard = %v, want only the cache refused", err)
	}
	if len(allowed) != 2 {
		t.Fatalf("allowed = %v", allowed)
	}
	// The same address in another stack does not count.
	if _, err := Guard("data", s, []string{"service:module.cache.aws_elasticache_cluster.this", allow[0], allow[1]}); err == nil {
		t.Fatal("an allow for another stack let the cache go")
	}
	all := append(allow, "data:module.cache.aws_elasticache_cluster.this")
	if allowed, err := Guard("data", s, all); err != nil || len(allowed) != 3 {
		t.Fatalf("Guard with every one allowed = %v, %v", allowed, err)
	}
}

func TestGuardRefusesAnyChangeToBase(t *testing.T) {
	s := mustParse(t, `{"format_version":"1.2","resource_changes":[{"address":"module.base.aws_iam_role_policy.deployer","type":"aws_iam_role_policy","change":{"actions":["update"]}}]}`)
	_, err := Guard("base", s, nil)
	if err == nil || !strings.Contains(err.Error(), "apply base as an administrator") || !strings.Contains(err.Error(), "+0 ~1 -0") {
		t.Fatalf("Guard(base) = %v", err)
	}
	if _, err := Guard("base", mustParse(t, `{"format_version":"1.2"}`), nil); err != nil {
		t.Fatalf("an unchanged base is fine, got %v", err)
	}
	// Ordinary changes elsewhere pass.
	if _, err := Guard("network", s, nil); err != nil {
		t.Fatalf("Guard(network) = %v", err)
	}
}

func TestAllowValuesAreChecked(t *testing.T) {
	stacks := []string{"base", "network", "edge", "data", "service"}
	if err := ValidateAllows([]string{"data:module.database.aws_rds_cluster.this"}, stacks); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"module.database.aws_rds_cluster.this", "db:x", "data:"} {
		if err := ValidateAllows([]string{bad}, stacks); err == nil || !strings.Contains(err.Error(), "<stack>:<resource address>") {
			t.Errorf("ValidateAllows(%q) = %v", bad, err)
		}
	}
	unknown := UnknownAllows([]string{"data:module.database.aws_rds_cluster.this", "edge:aws_s3_bucket.typo"}, map[string]Summary{"data": mustParse(t, dataPlan)})
	if len(unknown) != 1 || unknown[0] != "edge:aws_s3_bucket.typo" {
		t.Fatalf("UnknownAllows = %v", unknown)
	}
}

// Every resource kind issue 16 names as protected (Aurora clusters and instances, the site and
// trail buckets, ECR repositories, ElastiCache, the CloudFront distribution, KMS keys) is refused
// on delete and on replace unless --allow-destroy names it; a kind left out of ProtectedTypes
// would be deleted unattended.
func TestGuardProtectsEveryListedKind(t *testing.T) {
	for _, c := range []struct{ stack, address, typ string }{
		{"data", "module.database.aws_rds_cluster.this", "aws_rds_cluster"},
		{"data", "module.database.aws_rds_cluster_instance.this[1]", "aws_rds_cluster_instance"},
		{"edge", "module.edge.aws_s3_bucket.site", "aws_s3_bucket"},
		{"base", "module.base.aws_s3_bucket.trail", "aws_s3_bucket"},
		{"data", "module.registry.aws_ecr_repository.this", "aws_ecr_repository"},
		{"data", "module.cache.aws_elasticache_cluster.this", "aws_elasticache_cluster"},
		{"data", "module.cache.aws_elasticache_replication_group.this", "aws_elasticache_replication_group"},
		{"edge", "module.edge.aws_cloudfront_distribution.this", "aws_cloudfront_distribution"},
		{"data", "module.database.aws_kms_key.this", "aws_kms_key"},
	} {
		for _, actions := range []string{`["delete"]`, `["delete", "create"]`, `["create", "delete"]`} {
			s := mustParse(t, `{"format_version":"1.2","resource_changes":[{"address":"`+c.address+`","type":"`+c.typ+`","change":{"actions":`+actions+`}}]}`)
			stack := c.stack
			if stack == "base" { // base is refused for any change; the kind is checked as another stack's
				stack = "edge"
			}
			_, err := Guard(stack, s, nil)
			var refused *RefusedError
			if !errors.As(err, &refused) || len(refused.Changes) != 1 || refused.Changes[0].Address != c.address {
				t.Errorf("%s %s (%s): Guard = %v, want it refused", actions, c.address, c.typ, err)
				continue
			}
			if _, err := Guard(stack, s, []string{AllowKey(stack, c.address)}); err != nil {
				t.Errorf("%s %s with --allow-destroy=%s: %v", actions, c.address, AllowKey(stack, c.address), err)
			}
		}
	}
}
