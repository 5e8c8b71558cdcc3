package policy

// A small evaluator of identity-based IAM policies for the checks: explicit Deny wins, then an
// Allow must match; actions, resources and string/ARN conditions match with IAM wildcards (* and
// ?), condition keys are case-insensitive, a negated operator matches a key that is absent, and
// "...IfExists" matches when the key is absent. It covers the operators the project's policies use
// (String*, Arn*, Bool, Null, with ForAnyValue/ForAllValues); an unknown operator never matches
// an Allow and always matches a Deny, so an unsupported condition errs towards "denied" in both.

import (
	"regexp"
	"strings"
)

// Request is one API call to evaluate: action, resource ARN and request context.
type Request struct {
	Action   string
	Resource string
	Context  map[string][]string
}

// Decision of an evaluation.
type Decision string

const (
	Allowed      Decision = "allowed"
	ExplicitDeny Decision = "explicitly denied"
	ImplicitDeny Decision = "not allowed"
)

// Evaluate decides the request against the documents (all attached to one principal).
func Evaluate(docs []*PolicyDocument, req Request) (Decision, string) {
	allowedBy := ""
	for _, d := range docs {
		for _, s := range d.Statement {
			if !statementApplies(s, req) {
				continue
			}
			if strings.EqualFold(s.Effect, "Deny") {
				return ExplicitDeny, s.Sid
			}
			if allowedBy == "" {
				allowedBy = s.Sid
				if allowedBy == "" {
					allowedBy = "(statement without Sid)"
				}
			}
		}
	}
	if allowedBy != "" {
		return Allowed, allowedBy
	}
	return ImplicitDeny, ""
}

func statementApplies(s Statement, req Request) bool {
	deny := strings.EqualFold(s.Effect, "Deny")
	switch {
	case len(s.Action) > 0 && !anyMatch(s.Action, req.Action, true):
		return false
	case len(s.NotAction) > 0 && anyMatch(s.NotAction, req.Action, true):
		return false
	case len(s.Resource) > 0 && !anyMatch(s.Resource, req.Resource, false):
		return false
	case len(s.NotResource) > 0 && anyMatch(s.NotResource, req.Resource, false):
		return false
	}
	for op, byKey := range s.Condition {
		for key, values := range byKey {
			if !conditionHolds(op, key, values, req.Context, deny) {
				return false
			}
		}
	}
	return true
}

func anyMatch(patterns []string, value string, fold bool) bool {
	for _, p := range patterns {
		if wildcardMatch(p, value, fold) {
			return true
		}
	}
	return false
}

var wildcardCache = map[string]*regexp.Regexp{}

// wildcardMatch matches IAM's * and ? wildcards; fold makes it case-insensitive (actions).
func wildcardMatch(pattern, value string, fold bool) bool {
	key := pattern
	if fold {
		key = "(?i)" + pattern
	}
	re, ok := wildcardCache[key]
	if !ok {
		var b strings.Builder
		b.WriteString("^")
		if fold {
			b.WriteString("(?i)")
		}
		for _, r := range pattern {
			switch r {
			case '*':
				b.WriteString(".*")
			case '?':
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		b.WriteString("$")
		re = regexp.MustCompile(b.String())
		wildcardCache[key] = re
	}
	return re.MatchString(value)
}

func contextValues(ctx map[string][]string, key string) ([]string, bool) {
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func conditionHolds(op, key string, values []string, ctx map[string][]string, deny bool) bool {
	set := ""
	if i := strings.Index(op, ":"); i > 0 {
		set, op = op[:i], op[i+1:]
	}
	ifExists := strings.HasSuffix(op, "IfExists")
	op = strings.TrimSuffix(op, "IfExists")
	got, present := contextValues(ctx, key)
	if op == "Null" {
		wantNull := len(values) > 0 && strings.EqualFold(values[0], "true")
		return wantNull != present
	}
	negated := strings.Contains(op, "Not")
	if !present {
		return ifExists || negated
	}
	var match func(pattern, v string) bool
	switch op {
	case "StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals":
		match = func(p, v string) bool { return p == v }
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		match = strings.EqualFold
	case "StringLike", "StringNotLike", "ArnLike", "ArnNotLike":
		match = func(p, v string) bool { return wildcardMatch(p, v, false) }
	case "Bool":
		match = strings.EqualFold
	default:
		return deny
	}
	one := func(v string) bool {
		m := anyMatchFn(values, v, match)
		if negated {
			return !m
		}
		return m
	}
	switch set {
	case "ForAllValues":
		for _, v := range got {
			if !one(v) {
				return false
			}
		}
		return true
	default: // single-valued keys and ForAnyValue
		for _, v := range got {
			if one(v) {
				return true
			}
		}
		return false
	}
}

func anyMatchFn(patterns []string, v string, match func(p, v string) bool) bool {
	for _, p := range patterns {
		if match(p, v) {
			return true
		}
	}
	return false
}
