package main

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"sort"
	"strconv"

	"github.com/zclconf/go-cty/cty"
)

// The JSON of aws_iam_policy_document, rendered as hashicorp/aws does: statements of
// source_policy_documents first, then this document's (replacing a source statement with the
// same sid), then override_policy_documents' (replacing by sid); single values as strings, lists
// otherwise; principals and conditions of the same type/test merged.

type policyDoc struct {
	Version    string       `json:"Version,omitempty"`
	ID         string       `json:"Id,omitempty"`
	Statements []*policyStm `json:"Statement,omitempty"`
}

type policyStm struct {
	Sid           string                    `json:"Sid,omitempty"`
	Effect        string                    `json:"Effect,omitempty"`
	Actions       any                       `json:"Action,omitempty"`
	NotActions    any                       `json:"NotAction,omitempty"`
	Resources     any                       `json:"Resource,omitempty"`
	NotResources  any                       `json:"NotResource,omitempty"`
	Principals    any                       `json:"Principal,omitempty"`
	NotPrincipals any                       `json:"NotPrincipal,omitempty"`
	Conditions    map[string]map[string]any `json:"Condition,omitempty"`
}

// oneOrMany is a single string as itself, more as a list (nil when empty).
func oneOrMany(vals []string) any {
	switch len(vals) {
	case 0:
		return nil
	case 1:
		return vals[0]
	}
	return vals
}

func strs(v cty.Value) []string {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	var out []string
	for _, e := range v.AsValueSlice() {
		if !e.IsNull() {
			out = append(out, e.AsString())
		}
	}
	return out
}

func principals(v cty.Value) any {
	if v.IsNull() || v.LengthInt() == 0 {
		return nil
	}
	byType := map[string][]string{}
	for _, p := range v.AsValueSlice() {
		t := p.GetAttr("type").AsString()
		byType[t] = append(byType[t], strs(p.GetAttr("identifiers"))...)
	}
	if ids, ok := byType["*"]; ok && len(byType) == 1 && len(ids) == 1 && ids[0] == "*" {
		return "*"
	}
	out := map[string]any{}
	for t, ids := range byType {
		sort.Strings(ids)
		out[t] = oneOrMany(ids)
	}
	return out
}

func conditions(v cty.Value) map[string]map[string]any {
	if v.IsNull() || v.LengthInt() == 0 {
		return nil
	}
	merged := map[string]map[string][]string{}
	for _, c := range v.AsValueSlice() {
		test, variable := c.GetAttr("test").AsString(), c.GetAttr("variable").AsString()
		if merged[test] == nil {
			merged[test] = map[string][]string{}
		}
		merged[test][variable] = append(merged[test][variable], strs(c.GetAttr("values"))...)
	}
	out := map[string]map[string]any{}
	for test, vars := range merged {
		out[test] = map[string]any{}
		for variable, vals := range vars {
			out[test][variable] = oneOrMany(vals)
		}
	}
	return out
}

func statementOf(s cty.Value) *policyStm {
	str := func(n string) string {
		v := s.GetAttr(n)
		if v.IsNull() {
			return ""
		}
		return v.AsString()
	}
	effect := str("effect")
	if effect == "" {
		effect = "Allow"
	}
	return &policyStm{
		Sid: str("sid"), Effect: effect,
		Actions: oneOrMany(strs(s.GetAttr("actions"))), NotActions: oneOrMany(strs(s.GetAttr("not_actions"))),
		Resources: oneOrMany(strs(s.GetAttr("resources"))), NotResources: oneOrMany(strs(s.GetAttr("not_resources"))),
		Principals: principals(s.GetAttr("principals")), NotPrincipals: principals(s.GetAttr("not_principals")),
		Conditions: conditions(s.GetAttr("condition")),
	}
}

// mergeStatements puts add's statements into base, a statement with a sid replacing base's.
func mergeStatements(base, add []*policyStm) []*policyStm {
	for _, s := range add {
		replaced := false
		if s.Sid != "" {
			for i, b := range base {
				if b.Sid == s.Sid {
					base[i] = s
					replaced = true
					break
				}
			}
		}
		if !replaced {
			base = append(base, s)
		}
	}
	return base
}

// renderPolicyDocument returns json, minified_json and id of an aws_iam_policy_document.
func renderPolicyDocument(cfg cty.Value) (pretty, minified, id string, err error) {
	doc := &policyDoc{Version: "2012-10-17"}
	readDocs := func(attr string) ([]*policyDoc, error) {
		var docs []*policyDoc
		for i, s := range strs(cfg.GetAttr(attr)) {
			var d policyDoc
			if err := json.Unmarshal([]byte(s), &d); err != nil {
				return nil, fmt.Errorf("%s[%d] is not a policy document: %w", attr, i, err)
			}
			docs = append(docs, &d)
		}
		return docs, nil
	}
	sources, err := readDocs("source_policy_documents")
	if err != nil {
		return "", "", "", err
	}
	for _, s := range sources {
		if s.Version != "" {
			doc.Version = s.Version
		}
		doc.Statements = append(doc.Statements, s.Statements...)
	}
	if v := cfg.GetAttr("version"); !v.IsNull() {
		doc.Version = v.AsString()
	}
	if v := cfg.GetAttr("policy_id"); !v.IsNull() {
		doc.ID = v.AsString()
	}
	var own []*policyStm
	sids := map[string]bool{}
	if st := cfg.GetAttr("statement"); !st.IsNull() {
		for _, s := range st.AsValueSlice() {
			ps := statementOf(s)
			if ps.Sid != "" {
				if sids[ps.Sid] {
					return "", "", "", fmt.Errorf("statement: duplicate sid %q (sids must be unique within one document)", ps.Sid)
				}
				sids[ps.Sid] = true
			}
			own = append(own, ps)
		}
	}
	doc.Statements = mergeStatements(doc.Statements, own)
	overrides, err := readDocs("override_policy_documents")
	if err != nil {
		return "", "", "", err
	}
	for _, o := range overrides {
		doc.Statements = mergeStatements(doc.Statements, o.Statements)
	}
	p, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", "", "", err
	}
	m, _ := json.Marshal(doc)
	return string(p), string(m), strconv.Itoa(hashString(string(p))), nil
}

// hashString is the provider's hashcode.String: a non-negative CRC-32.
func hashString(s string) int {
	v := int(crc32.ChecksumIEEE([]byte(s)))
	if v >= 0 {
		return v
	}
	if -v >= 0 {
		return -v
	}
	return 0
}
