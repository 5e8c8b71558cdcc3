package policy

// Rendering of aws_iam_policy_document data sources to IAM JSON, in Go: the AWS provider cannot
// be installed on an air-gapped machine, so the HCL is evaluated here with the module's variables
// (defaults overridden by the caller), its locals, a fixed account/partition/region and the
// attributes of its resources (ARNs synthesized for the resource types policies refer to). The
// rendered documents feed the IAM request evaluator (iameval.go) and the IAM analyzer
// (terraform/scripts/iam-analyze.sh).

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// RenderEnv is the context a module is rendered in: values of its variables (others take their
// defaults) and the caller's account, partition and region.
type RenderEnv struct {
	Vars      map[string]cty.Value
	Account   string
	Partition string
	Region    string
}

// DefaultEnv is the account the checks render in.
func DefaultEnv(vars map[string]cty.Value) RenderEnv {
	return RenderEnv{Vars: vars, Account: "111122223333", Partition: "aws", Region: "ap-northeast-2"}
}

// PolicyDocument is a rendered IAM policy document.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one rendered statement; list fields are always lists here.
type Statement struct {
	Sid          string                         `json:"Sid,omitempty"`
	Effect       string                         `json:"Effect"`
	Action       []string                       `json:"Action,omitempty"`
	NotAction    []string                       `json:"NotAction,omitempty"`
	Resource     []string                       `json:"Resource,omitempty"`
	NotResource  []string                       `json:"NotResource,omitempty"`
	Principal    map[string][]string            `json:"Principal,omitempty"`
	NotPrincipal map[string][]string            `json:"NotPrincipal,omitempty"`
	Condition    map[string]map[string][]string `json:"Condition,omitempty"`
}

// JSON renders the document as IAM policy JSON the way the AWS provider writes it: a list of one
// element (action, resource, principal, condition value) becomes a plain string.
func (d *PolicyDocument) JSON() ([]byte, error) {
	one := func(xs []string) any {
		if len(xs) == 1 {
			return xs[0]
		}
		return xs
	}
	type stmt struct {
		Sid          string                    `json:"Sid,omitempty"`
		Effect       string                    `json:"Effect"`
		Action       any                       `json:"Action,omitempty"`
		NotAction    any                       `json:"NotAction,omitempty"`
		Resource     any                       `json:"Resource,omitempty"`
		NotResource  any                       `json:"NotResource,omitempty"`
		Principal    map[string]any            `json:"Principal,omitempty"`
		NotPrincipal map[string]any            `json:"NotPrincipal,omitempty"`
		Condition    map[string]map[string]any `json:"Condition,omitempty"`
	}
	principals := func(p map[string][]string) map[string]any {
		if p == nil {
			return nil
		}
		out := map[string]any{}
		for k, v := range p {
			out[k] = one(v)
		}
		return out
	}
	var out struct {
		Version   string `json:"Version"`
		Statement []stmt `json:"Statement"`
	}
	out.Version = d.Version
	for _, s := range d.Statement {
		j := stmt{Sid: s.Sid, Effect: s.Effect, Principal: principals(s.Principal), NotPrincipal: principals(s.NotPrincipal)}
		if len(s.Action) > 0 {
			j.Action = one(s.Action)
		}
		if len(s.NotAction) > 0 {
			j.NotAction = one(s.NotAction)
		}
		if len(s.Resource) > 0 {
			j.Resource = one(s.Resource)
		}
		if len(s.NotResource) > 0 {
			j.NotResource = one(s.NotResource)
		}
		for op, byKey := range s.Condition {
			if j.Condition == nil {
				j.Condition = map[string]map[string]any{}
			}
			j.Condition[op] = map[string]any{}
			for k, v := range byKey {
				j.Condition[op][k] = one(v)
			}
		}
		out.Statement = append(out.Statement, j)
	}
	return json.MarshalIndent(out, "", "  ")
}

// Rendered is a module evaluated in an environment.
type Rendered struct {
	Module    *Module
	Env       RenderEnv
	ctx       *hcl.EvalContext
	Documents map[string]*PolicyDocument // data.aws_iam_policy_document NAME -> document
	Errors    map[string]error           // documents that could not be rendered, by name
}

var renderFuncs = map[string]function.Function{
	"concat": stdlib.ConcatFunc, "replace": stdlib.ReplaceFunc, "title": stdlib.TitleFunc,
	"merge": stdlib.MergeFunc, "substr": stdlib.SubstrFunc, "trimprefix": stdlib.TrimPrefixFunc,
	"trimsuffix": stdlib.TrimSuffixFunc, "format": stdlib.FormatFunc, "join": stdlib.JoinFunc,
	"lower": stdlib.LowerFunc, "upper": stdlib.UpperFunc, "length": lengthFunc,
	"contains": stdlib.ContainsFunc, "distinct": stdlib.DistinctFunc, "flatten": stdlib.FlattenFunc,
	"keys": stdlib.KeysFunc, "values": stdlib.ValuesFunc, "lookup": stdlib.LookupFunc,
	"coalesce": stdlib.CoalesceFunc, "jsonencode": stdlib.JSONEncodeFunc, "split": stdlib.SplitFunc,
	"compact": stdlib.CompactFunc, "sort": stdlib.SortFunc, "min": stdlib.MinFunc, "max": stdlib.MaxFunc,
	"toset":  convFunc(func(v cty.Value) (cty.Value, error) { return setOf(v) }),
	"tolist": convFunc(func(v cty.Value) (cty.Value, error) { return listOf(v) }),
}

// lengthFunc is Terraform's length: also of objects and strings.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowDynamicType: true}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		switch {
		case v.Type() == cty.String:
			return cty.NumberIntVal(int64(len([]rune(v.AsString())))), nil
		case v.Type().IsObjectType():
			return cty.NumberIntVal(int64(len(v.Type().AttributeTypes()))), nil
		}
		return stdlib.LengthFunc.Call([]cty.Value{v})
	},
})

func convFunc(f func(cty.Value) (cty.Value, error)) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowUnknown: true}},
		Type:   function.StaticReturnType(cty.DynamicPseudoType),
		Impl:   func(args []cty.Value, _ cty.Type) (cty.Value, error) { return f(args[0]) },
	})
}

func elems(v cty.Value) []cty.Value {
	var out []cty.Value
	if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
		return out
	}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		out = append(out, e)
	}
	return out
}

func setOf(v cty.Value) (cty.Value, error) {
	if !v.IsWhollyKnown() {
		return cty.DynamicVal, nil
	}
	es := elems(v)
	if len(es) == 0 {
		return cty.SetValEmpty(cty.String), nil
	}
	return cty.SetVal(es), nil
}

func listOf(v cty.Value) (cty.Value, error) {
	if !v.IsWhollyKnown() {
		return cty.DynamicVal, nil
	}
	es := elems(v)
	if len(es) == 0 {
		return cty.ListValEmpty(cty.String), nil
	}
	return cty.ListVal(es), nil
}

// Render evaluates the module in env and renders every aws_iam_policy_document.
func Render(m *Module, env RenderEnv) *Rendered {
	r := &Rendered{Module: m, Env: env, Documents: map[string]*PolicyDocument{}, Errors: map[string]error{}}
	vars := map[string]cty.Value{}
	for name, v := range m.Variables {
		vars[name] = cty.DynamicVal
		if d, ok := v.Body.Attributes["default"]; ok {
			if val, diags := d.Expr.Value(nil); !diags.HasErrors() {
				vars[name] = val
			}
		}
		if val, ok := env.Vars[name]; ok {
			vars[name] = val
		}
	}
	locals := map[string]hcl.Expression{}
	for _, b := range m.All {
		if b.Kind == "locals" {
			for name, a := range b.Body.Attributes {
				locals[name] = a.Expr
			}
		}
	}
	localVals := map[string]cty.Value{}
	for name := range locals {
		localVals[name] = cty.DynamicVal
	}
	resVals := map[string]map[string]cty.Value{}
	dataVals := map[string]map[string]cty.Value{
		"aws_caller_identity": {"current": cty.ObjectVal(map[string]cty.Value{"account_id": cty.StringVal(env.Account)})},
		"aws_partition":       {"current": cty.ObjectVal(map[string]cty.Value{"partition": cty.StringVal(env.Partition)})},
		"aws_region":          {"current": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(env.Region), "region": cty.StringVal(env.Region)})},
	}
	for _, b := range m.Resources {
		if resVals[b.Type] == nil {
			resVals[b.Type] = map[string]cty.Value{}
		}
		resVals[b.Type][b.Name] = cty.DynamicVal
	}
	for _, b := range m.Data {
		if dataVals[b.Type] == nil {
			dataVals[b.Type] = map[string]cty.Value{}
		}
		if _, fixed := dataVals[b.Type][b.Name]; !fixed {
			dataVals[b.Type][b.Name] = cty.DynamicVal
		}
	}
	build := func() *hcl.EvalContext {
		vs := map[string]cty.Value{
			"var":   cty.ObjectVal(vars),
			"local": cty.ObjectVal(localVals),
		}
		data := map[string]cty.Value{}
		for typ, byName := range dataVals {
			data[typ] = cty.ObjectVal(byName)
		}
		vs["data"] = cty.ObjectVal(data)
		for typ, byName := range resVals {
			vs[typ] = cty.ObjectVal(byName)
		}
		return &hcl.EvalContext{Variables: vs, Functions: renderFuncs}
	}
	// Fixed point: locals, resources and documents refer to each other in any order.
	for pass := 0; pass < 6; pass++ {
		ctx := build()
		for name, e := range locals {
			if v, diags := e.Value(ctx); !diags.HasErrors() {
				localVals[name] = v
			}
		}
		ctx = build()
		for _, b := range m.Resources {
			resVals[b.Type][b.Name] = repeatedValue(b, ctx, env)
		}
		ctx = build()
		for _, b := range m.DataOf("aws_iam_policy_document") {
			doc, err := renderDocument(b, ctx)
			if err != nil {
				r.Errors[b.Name] = err
				delete(r.Documents, b.Name)
				continue
			}
			delete(r.Errors, b.Name)
			r.Documents[b.Name] = doc
			js, _ := doc.JSON()
			dataVals["aws_iam_policy_document"][b.Name] = cty.ObjectVal(map[string]cty.Value{"json": cty.StringVal(string(js))})
		}
	}
	r.ctx = build()
	return r
}

// Eval evaluates an expression of the module in the rendered context.
func (r *Rendered) Eval(e hcl.Expression) (cty.Value, error) {
	v, diags := e.Value(r.ctx)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return v, nil
}

// Attr evaluates attribute name of block b; "" when absent or not a known string.
func (r *Rendered) Attr(b *Block, name string) string {
	a, ok := b.Body.Attributes[name]
	if !ok {
		return ""
	}
	v, err := r.Eval(a.Expr)
	if err != nil || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// repeatedValue is a resource's value: an object, a map of objects (for_each) or a list (count).
func repeatedValue(b *Block, ctx *hcl.EvalContext, env RenderEnv) cty.Value {
	if fe, ok := b.Body.Attributes["for_each"]; ok {
		coll, diags := fe.Expr.Value(ctx)
		if diags.HasErrors() || !coll.IsWhollyKnown() || coll.IsNull() {
			return cty.DynamicVal
		}
		out := map[string]cty.Value{}
		for it := coll.ElementIterator(); it.Next(); {
			k, v := it.Element()
			if coll.Type().IsSetType() {
				k = v
			}
			if k.Type() != cty.String {
				return cty.DynamicVal
			}
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
			out[k.AsString()] = resourceValue(b, child, env)
		}
		return cty.ObjectVal(out)
	}
	if c, ok := b.Body.Attributes["count"]; ok {
		n, diags := c.Expr.Value(ctx)
		if diags.HasErrors() || !n.IsKnown() || n.IsNull() || n.Type() != cty.Number {
			return cty.DynamicVal
		}
		count, _ := n.AsBigFloat().Int64()
		var out []cty.Value
		for i := int64(0); i < count; i++ {
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{"count": cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(i)})}
			out = append(out, resourceValue(b, child, env))
		}
		return cty.TupleVal(out)
	}
	return resourceValue(b, ctx, env)
}

// resourceValue evaluates a resource's attributes and adds the computed ones policies use.
func resourceValue(b *Block, ctx *hcl.EvalContext, env RenderEnv) cty.Value {
	attrs := map[string]cty.Value{}
	for name, a := range b.Body.Attributes {
		if v, diags := a.Expr.Value(ctx); !diags.HasErrors() {
			attrs[name] = v
		}
	}
	str := func(k string) (string, bool) {
		v, ok := attrs[k]
		if !ok || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
			return "", false
		}
		return v.AsString(), true
	}
	arnOf := func(service, region, rest string) cty.Value {
		return cty.StringVal(fmt.Sprintf("arn:%s:%s:%s:%s:%s", env.Partition, service, region, env.Account, rest))
	}
	name, hasName := str("name")
	if !hasName {
		if p, ok := str("name_prefix"); ok {
			name, hasName = p+"20261201000000000000000001", true
			attrs["name"] = cty.StringVal(name)
		}
	}
	path, ok := str("path")
	if !ok {
		path = "/"
	}
	switch b.Type {
	case "aws_iam_role":
		if hasName {
			attrs["arn"] = arnOf("iam", "", "role"+path+name)
			attrs["id"] = cty.StringVal(name)
			attrs["unique_id"] = cty.StringVal("AROA" + strings.ToUpper(b.Name))
		}
	case "aws_iam_policy":
		if hasName {
			attrs["arn"] = arnOf("iam", "", "policy"+path+name)
			attrs["id"] = attrs["arn"]
		}
	case "aws_iam_instance_profile":
		if hasName {
			attrs["arn"] = arnOf("iam", "", "instance-profile"+path+name)
			attrs["id"] = cty.StringVal(name)
		}
	case "aws_iam_openid_connect_provider":
		if u, ok := str("url"); ok {
			attrs["arn"] = arnOf("iam", "", "oidc-provider/"+strings.TrimPrefix(u, "https://"))
		}
	case "aws_s3_bucket":
		if bk, ok := str("bucket"); ok {
			attrs["arn"] = cty.StringVal(fmt.Sprintf("arn:%s:s3:::%s", env.Partition, bk))
			attrs["id"] = cty.StringVal(bk)
		}
	case "aws_cloudwatch_log_group":
		if hasName {
			attrs["arn"] = arnOf("logs", env.Region, "log-group:"+name)
			attrs["id"] = cty.StringVal(name)
		}
	case "aws_sns_topic":
		if hasName {
			attrs["arn"] = arnOf("sns", env.Region, name)
			attrs["id"] = attrs["arn"]
		}
	case "aws_cloudtrail":
		if hasName {
			attrs["arn"] = arnOf("cloudtrail", env.Region, "trail/"+name)
		}
	case "aws_kms_key":
		attrs["arn"] = arnOf("kms", env.Region, "key/00000000-0000-0000-0000-"+fmt.Sprintf("%012d", len(b.Name)))
		attrs["key_id"] = cty.StringVal("00000000-0000-0000-0000-" + fmt.Sprintf("%012d", len(b.Name)))
		attrs["id"] = attrs["key_id"]
	case "aws_ecr_repository":
		if hasName {
			attrs["arn"] = arnOf("ecr", env.Region, "repository/"+name)
		}
	case "aws_secretsmanager_secret":
		if hasName {
			attrs["arn"] = arnOf("secretsmanager", env.Region, "secret:"+name+"-AbCdEf")
			attrs["id"] = attrs["arn"]
		}
	case "aws_cloudwatch_metric_alarm":
		if n, ok := str("alarm_name"); ok {
			attrs["arn"] = arnOf("cloudwatch", env.Region, "alarm:"+n)
		}
	case "aws_cloudfront_distribution":
		// The ID is CloudFront's; a fixed stand-in (a global ARN: no region).
		attrs["id"] = cty.StringVal("E0" + strings.ToUpper(b.Name))
		attrs["arn"] = cty.StringVal(fmt.Sprintf("arn:%s:cloudfront::%s:distribution/E0%s", env.Partition, env.Account, strings.ToUpper(b.Name)))
	}
	if _, ok := attrs["arn"]; !ok {
		attrs["arn"] = cty.UnknownVal(cty.String)
	}
	if _, ok := attrs["id"]; !ok {
		attrs["id"] = cty.UnknownVal(cty.String)
	}
	return cty.ObjectVal(attrs)
}

func knownStrings(v cty.Value, what string) ([]string, error) {
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("%s is not known at render time", what)
	}
	if v.IsNull() {
		return nil, nil
	}
	if v.Type() == cty.String {
		return []string{v.AsString()}, nil
	}
	if !v.CanIterateElements() {
		return nil, fmt.Errorf("%s is not a list of strings", what)
	}
	var out []string
	for _, e := range elems(v) {
		if e.Type() != cty.String {
			conv, err := ctyjson.Marshal(e, e.Type())
			if err != nil || e.Type() != cty.Number && e.Type() != cty.Bool {
				return nil, fmt.Errorf("%s holds a non-string", what)
			}
			out = append(out, string(conv))
			continue
		}
		out = append(out, e.AsString())
	}
	return out, nil
}

// statementBodies expands static and dynamic "statement" blocks into bodies with their contexts.
func expandBlocks(body *hclsyntax.Body, typ string, ctx *hcl.EvalContext) ([]*hclsyntax.Body, []*hcl.EvalContext, error) {
	var bodies []*hclsyntax.Body
	var ctxs []*hcl.EvalContext
	for _, b := range body.Blocks {
		if b.Type == typ {
			bodies = append(bodies, b.Body)
			ctxs = append(ctxs, ctx)
		}
		if b.Type != "dynamic" || len(b.Labels) != 1 || b.Labels[0] != typ {
			continue
		}
		iter := typ
		if a, ok := b.Body.Attributes["iterator"]; ok {
			iter = hcl.ExprAsKeyword(a.Expr)
		}
		fe, ok := b.Body.Attributes["for_each"]
		if !ok {
			return nil, nil, fmt.Errorf("dynamic %q without for_each", typ)
		}
		coll, diags := fe.Expr.Value(ctx)
		if diags.HasErrors() {
			return nil, nil, diags
		}
		if !coll.IsWhollyKnown() {
			return nil, nil, fmt.Errorf("dynamic %q for_each is not known at render time", typ)
		}
		var content *hclsyntax.Body
		for _, c := range b.Body.Blocks {
			if c.Type == "content" {
				content = c.Body
			}
		}
		if content == nil {
			return nil, nil, fmt.Errorf("dynamic %q without content", typ)
		}
		for it := coll.ElementIterator(); it.Next(); {
			k, v := it.Element()
			if coll.Type().IsSetType() {
				k = v
			}
			child := ctx.NewChild()
			child.Variables = map[string]cty.Value{iter: cty.ObjectVal(map[string]cty.Value{"key": k, "value": v})}
			bodies = append(bodies, content)
			ctxs = append(ctxs, child)
		}
	}
	return bodies, ctxs, nil
}

func attrStrings(body *hclsyntax.Body, name string, ctx *hcl.EvalContext) ([]string, error) {
	a, ok := body.Attributes[name]
	if !ok {
		return nil, nil
	}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", name, diags.Error())
	}
	return knownStrings(v, name)
}

func attrString(body *hclsyntax.Body, name string, ctx *hcl.EvalContext) (string, error) {
	s, err := attrStrings(body, name, ctx)
	if err != nil || len(s) == 0 {
		return "", err
	}
	return s[0], nil
}

func renderDocument(b *Block, ctx *hcl.EvalContext) (*PolicyDocument, error) {
	doc := &PolicyDocument{Version: "2012-10-17"}
	bodies, ctxs, err := expandBlocks(b.Body, "statement", ctx)
	if err != nil {
		return nil, err
	}
	for i, st := range bodies {
		c := ctxs[i]
		s := Statement{Effect: "Allow"}
		var e error
		fail := func(err error) bool {
			if err != nil && e == nil {
				e = err
			}
			return err != nil
		}
		var err error
		s.Sid, err = attrString(st, "sid", c)
		fail(err)
		if eff, err := attrString(st, "effect", c); !fail(err) && eff != "" {
			s.Effect = eff
		}
		s.Action, err = attrStrings(st, "actions", c)
		fail(err)
		s.NotAction, err = attrStrings(st, "not_actions", c)
		fail(err)
		s.Resource, err = attrStrings(st, "resources", c)
		fail(err)
		s.NotResource, err = attrStrings(st, "not_resources", c)
		fail(err)
		for _, kind := range []string{"principals", "not_principals"} {
			pbodies, pctxs, err := expandBlocks(st, kind, c)
			if fail(err) {
				continue
			}
			for j, p := range pbodies {
				ty, err := attrString(p, "type", pctxs[j])
				fail(err)
				ids, err := attrStrings(p, "identifiers", pctxs[j])
				fail(err)
				target := &s.Principal
				if kind == "not_principals" {
					target = &s.NotPrincipal
				}
				if *target == nil {
					*target = map[string][]string{}
				}
				(*target)[ty] = append((*target)[ty], ids...)
			}
		}
		cbodies, cctxs, err := expandBlocks(st, "condition", c)
		fail(err)
		for j, cb := range cbodies {
			test, err := attrString(cb, "test", cctxs[j])
			fail(err)
			variable, err := attrString(cb, "variable", cctxs[j])
			fail(err)
			vals, err := attrStrings(cb, "values", cctxs[j])
			fail(err)
			if s.Condition == nil {
				s.Condition = map[string]map[string][]string{}
			}
			if s.Condition[test] == nil {
				s.Condition[test] = map[string][]string{}
			}
			s.Condition[test][variable] = append(s.Condition[test][variable], vals...)
		}
		if e != nil {
			return nil, fmt.Errorf("%s statement %d (%s): %w", b.Addr(), i+1, s.Sid, e)
		}
		sort.Strings(s.Action)
		doc.Statement = append(doc.Statement, s)
	}
	return doc, nil
}

// RolePolicies returns the rendered inline and managed policy documents attached to
// aws_iam_role.ROLE of the module (aws_iam_role_policy, aws_iam_policy and its attachment), and
// its permissions boundary document when the boundary is a policy of the same module.
func (r *Rendered) RolePolicies(role string) (docs []*PolicyDocument, names []string, err error) {
	docOf := func(b *Block) (*PolicyDocument, string, error) {
		raw := b.Raw("policy")
		name := strings.TrimSuffix(strings.TrimPrefix(raw, "data.aws_iam_policy_document."), ".json")
		if d, ok := r.Documents[name]; ok {
			return d, name, nil
		}
		if e, ok := r.Errors[name]; ok {
			return nil, name, e
		}
		return nil, name, fmt.Errorf("%s: policy %q is not a rendered aws_iam_policy_document", b.Where(), raw)
	}
	for _, p := range r.Module.ResourcesOf("aws_iam_role_policy") {
		if !refersTo(p.Raw("role"), "aws_iam_role", role) {
			continue
		}
		d, n, err := docOf(p)
		if err != nil {
			return nil, nil, err
		}
		docs, names = append(docs, d), append(names, n)
	}
	for _, a := range r.Module.ResourcesOf("aws_iam_role_policy_attachment") {
		if !refersTo(a.Raw("role"), "aws_iam_role", role) {
			continue
		}
		arn := a.Raw("policy_arn")
		for _, p := range r.Module.ResourcesOf("aws_iam_policy") {
			if refersTo(arn, "aws_iam_policy", p.Name) {
				d, n, err := docOf(p)
				if err != nil {
					return nil, nil, err
				}
				docs, names = append(docs, d), append(names, n)
			}
		}
	}
	return docs, names, nil
}

// RoleARN is the rendered ARN of aws_iam_role.NAME, or "".
func (r *Rendered) RoleARN(name string) string {
	v := r.ctx.Variables["aws_iam_role"]
	if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() || !v.Type().HasAttribute(name) {
		return ""
	}
	o := v.GetAttr(name)
	if !o.Type().IsObjectType() || !o.Type().HasAttribute("arn") {
		return ""
	}
	a := o.GetAttr("arn")
	if !a.IsKnown() || a.IsNull() {
		return ""
	}
	return a.AsString()
}

// ResourceAttr is a rendered string attribute of the resource at addr ("type.name"), or "".
func (r *Rendered) ResourceAttr(addr, attr string) string {
	parts := strings.SplitN(addr, ".", 2)
	if len(parts) != 2 {
		return ""
	}
	v, ok := r.ctx.Variables[parts[0]]
	if !ok || !v.IsKnown() || !v.Type().IsObjectType() || !v.Type().HasAttribute(parts[1]) {
		return ""
	}
	o := v.GetAttr(parts[1])
	if !o.IsKnown() || !o.Type().IsObjectType() || !o.Type().HasAttribute(attr) {
		return ""
	}
	a := o.GetAttr(attr)
	if !a.IsKnown() || a.IsNull() || a.Type() != cty.String {
		return ""
	}
	return a.AsString()
}
