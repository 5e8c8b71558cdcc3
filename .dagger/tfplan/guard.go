package tfplan

import (
	"fmt"
	"sort"
	"strings"
)

// ProtectedTypes are the resource types a deploy never deletes or replaces
// unattended: they hold data or are slow and visible to rebuild (the shop's
// database, cache, site and audit buckets, image repositories, the CDN, keys).
var ProtectedTypes = map[string]bool{
	"aws_rds_cluster":                   true,
	"aws_rds_cluster_instance":          true,
	"aws_db_instance":                   true,
	"aws_s3_bucket":                     true,
	"aws_ecr_repository":                true,
	"aws_elasticache_cluster":           true,
	"aws_elasticache_replication_group": true,
	"aws_cloudfront_distribution":       true,
	"aws_kms_key":                       true,
	"aws_dynamodb_table":                true,
}

// AdminStacks are applied by an account administrator, never by a deploy:
// they hold the CI identities and the audit trail, so the deployer must not
// apply a change to them (it would be applying its own widening).
var AdminStacks = map[string]bool{"base": true}

// AdminHint is the error a deploy gives for a change to an admin stack.
const AdminHint = "apply base as an administrator"

// Destructive lists the plan's deletes and replacements of protected types.
func (s Summary) Destructive() []Change {
	var out []Change
	for _, c := range s.Changes {
		if (c.Action == "delete" || c.Action == "replace") && ProtectedTypes[c.Type] {
			out = append(out, c)
		}
	}
	return out
}

// AllowKey is how --allow-destroy names a resource: "<stack>:<address>".
func AllowKey(stack, address string) string { return stack + ":" + address }

// RefusedError says which protected resources a plan would delete or
// replace and how to allow each one.
type RefusedError struct {
	Stack   string
	Changes []Change
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stack %s: the plan would %s protected resources; nothing was applied. Review the plan, then allow each one explicitly:", e.Stack, verbs(e.Changes))
	for _, c := range e.Changes {
		fmt.Fprintf(&b, "\n  %s %s (%s)  --allow-destroy=%s", actionSymbol[c.Action], c.Address, c.Action, AllowKey(e.Stack, c.Address))
	}
	return b.String()
}

func verbs(cs []Change) string {
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c.Action] = true
	}
	switch {
	case seen["delete"] && seen["replace"]:
		return "delete and replace"
	case seen["replace"]:
		return "replace"
	}
	return "delete"
}

// Guard decides whether a deploy may apply stack's plan: a plan with changes
// to an admin stack is refused ("apply base as an administrator"), and so is
// one that deletes or replaces a protected resource that allow (the
// --allow-destroy values, "<stack>:<address>") does not name. It returns the
// protected changes that were allowed, for the report.
func Guard(stack string, s Summary, allow []string) (allowed []Change, err error) {
	if AdminStacks[stack] && s.HasChanges() {
		return nil, fmt.Errorf("stack %s has changes (%s): a deploy never applies it; %s (docs/getting-started.md, \"Bootstrap and change the base stack\"), then run the deploy again", stack, s.Short(), AdminHint)
	}
	ok := map[string]bool{}
	for _, a := range allow {
		ok[strings.TrimSpace(a)] = true
	}
	var refused []Change
	for _, c := range s.Destructive() {
		if ok[AllowKey(stack, c.Address)] {
			allowed = append(allowed, c)
		} else {
			refused = append(refused, c)
		}
	}
	if len(refused) > 0 {
		return allowed, &RefusedError{Stack: stack, Changes: refused}
	}
	return allowed, nil
}

// UnknownAllows returns the --allow-destroy values that name no protected
// change of any stack's plan (a typo, or a resource the plan leaves alone);
// plans is stack name -> summary.
func UnknownAllows(allow []string, plans map[string]Summary) []string {
	known := map[string]bool{}
	for stack, s := range plans {
		for _, c := range s.Destructive() {
			known[AllowKey(stack, c.Address)] = true
		}
	}
	var out []string
	for _, a := range allow {
		if !known[strings.TrimSpace(a)] {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// ValidateAllows checks the form of --allow-destroy values before anything
// runs: "<stack>:<address>" with a known stack.
func ValidateAllows(allow []string, stacks []string) error {
	known := map[string]bool{}
	for _, s := range stacks {
		known[s] = true
	}
	for _, a := range allow {
		stack, addr, found := strings.Cut(strings.TrimSpace(a), ":")
		if !found || addr == "" || !known[stack] {
			return fmt.Errorf("--allow-destroy=%q: want <stack>:<resource address>, stack one of %s (e.g. data:module.database.aws_rds_cluster.this)", a, strings.Join(stacks, ", "))
		}
	}
	return nil
}
