package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/zclconf/go-cty/cty"
)

var ctx = context.Background()

func awsProvider(t *testing.T, version string, values string) *provider {
	t.Helper()
	path := ""
	if values != "" {
		path = filepath.Join(t.TempDir(), "values.json")
		if err := os.WriteFile(path, []byte(values), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := newAWSProvider(version, path)
	if err != nil {
		t.Fatal(err)
	}
	cfgTy := impliedType(p.schemas.Provider.Block)
	cfg := nullObject(cfgTy, map[string]cty.Value{
		"region": cty.StringVal("eu-central-1"),
		"default_tags": cty.ListVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{
			"tags": cty.MapVal(map[string]cty.Value{"Project": cty.StringVal("eventmall")})})}),
	})
	resp, err := p.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: mustEncode(t, cfg, cfgTy)})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("configure: %v %v", err, resp.Diagnostics)
	}
	return p
}

// nullObject is an object of type ty with the given attributes and everything else null;
// blocks (named in b) absent as Terraform sends them: empty lists and sets.
func nullObject(ty cty.Type, set map[string]cty.Value, blocks ...*tfjson.SchemaBlock) cty.Value {
	m := map[string]cty.Value{}
	for name, at := range ty.AttributeTypes() {
		if v, ok := set[name]; ok {
			m[name] = v
			continue
		}
		isBlock := len(blocks) == 0 || blocks[0] == nil
		if len(blocks) > 0 && blocks[0] != nil {
			_, isBlock = blocks[0].NestedBlocks[name]
		}
		switch {
		case isBlock && at.IsListType() && at.ElementType().IsObjectType():
			m[name] = cty.ListValEmpty(at.ElementType())
		case isBlock && at.IsSetType() && at.ElementType().IsObjectType():
			m[name] = cty.SetValEmpty(at.ElementType())
		default:
			m[name] = cty.NullVal(at)
		}
	}
	return cty.ObjectVal(m)
}

func mustEncode(t *testing.T, v cty.Value, ty cty.Type) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := encode(v, ty)
	if err != nil {
		t.Fatal(err)
	}
	return dv
}

// create plans and applies one new resource, returning planned and applied values.
func create(t *testing.T, p *provider, typ string, cfg cty.Value) (planned, applied cty.Value) {
	t.Helper()
	sch, ty, d := p.resource(typ)
	if d != nil {
		t.Fatal(d[0].Detail)
	}
	cfg = nullObject(ty, cfg.AsValueMap(), sch.Block)
	pr, err := p.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: typ,
		PriorState: mustEncode(t, cty.NullVal(ty), ty), ProposedNewState: mustEncode(t, cfg, ty), Config: mustEncode(t, cfg, ty)})
	if err != nil || len(pr.Diagnostics) > 0 {
		t.Fatalf("plan %s: %v %v", typ, err, pr.Diagnostics)
	}
	planned, _ = decode(pr.PlannedState, ty)
	ar, err := p.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: typ,
		PriorState: mustEncode(t, cty.NullVal(ty), ty), PlannedState: pr.PlannedState, Config: mustEncode(t, cfg, ty)})
	if err != nil || len(ar.Diagnostics) > 0 {
		t.Fatalf("apply %s: %v %v", typ, err, ar.Diagnostics)
	}
	applied, _ = decode(ar.NewState, ty)
	if !applied.IsWhollyKnown() {
		t.Fatalf("apply of %s left unknown values: %#v", typ, applied)
	}
	return planned, applied
}

func read(t *testing.T, p *provider, typ string, set map[string]cty.Value) cty.Value {
	t.Helper()
	sch, ty, d := p.dataSource(typ)
	if d != nil {
		t.Fatal(d[0].Detail)
	}
	resp, err := p.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: typ, Config: mustEncode(t, nullObject(ty, set, sch.Block), ty)})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("read %s: %v %v", typ, err, resp.Diagnostics)
	}
	v, _ := decode(resp.State, ty)
	return v
}

func str(v cty.Value, name string) string { return v.GetAttr(name).AsString() }

func TestIdentifyFromExecutableName(t *testing.T) {
	for _, c := range []struct{ exe, override, kind, version string }{
		{"terraform-provider-aws_v5.82.0", "", "aws", "5.82.0"},
		{"terraform-provider-aws_v6.47.0", "5.82.0", "aws", "5.82.0"},
		{"terraform-provider-aws", "", "aws", DefaultAWSVersion},
		{"terraform-provider-random_v3.7.2", "5.82.0", "random", "3.7.2"},
	} {
		k, v := identify(c.exe, c.override)
		if k != c.kind || v != c.version {
			t.Errorf("identify(%q, %q) = %s %s, want %s %s", c.exe, c.override, k, v, c.kind, c.version)
		}
	}
}

func TestBothPublishedSchemasServeEveryType(t *testing.T) {
	for _, version := range []string{"5.82.0", "6.47.0"} {
		p := awsProvider(t, version, "")
		resp, _ := p.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
		if len(resp.ResourceSchemas) < 1400 || len(resp.DataSourceSchemas) < 500 {
			t.Errorf("%s: only %d resources, %d data sources", version, len(resp.ResourceSchemas), len(resp.DataSourceSchemas))
		}
		if resp.ResourceSchemas["aws_cloudfront_vpc_origin"] == nil {
			t.Errorf("%s: no aws_cloudfront_vpc_origin (the stacks' lower bound must be at least 5.82.0)", version)
		}
		vpc := resp.ResourceSchemas["aws_vpc"]
		if vpc == nil {
			t.Fatalf("%s: no aws_vpc", version)
		}
		found := false
		for _, a := range vpc.Block.Attributes {
			if a.Name == "cidr_block" && a.Optional {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: aws_vpc.cidr_block not served as optional", version)
		}
		if !strings.Contains(p.Label(), "schema of hashicorp/aws "+version) {
			t.Errorf("label %q", p.Label())
		}
	}
	if _, err := newAWSProvider("4.0.0", ""); err == nil || !strings.Contains(err.Error(), "5.82.0") {
		t.Errorf("an unknown version should fail naming the available ones, got %v", err)
	}
}

func TestPlanLeavesComputedUnknownAndMergesDefaultTags(t *testing.T) {
	p := awsProvider(t, "6.47.0", "")
	planned, applied := create(t, p, "aws_vpc", cty.ObjectVal(map[string]cty.Value{
		"cidr_block": cty.StringVal("10.40.0.0/16"),
		"tags":       cty.MapVal(map[string]cty.Value{"Name": cty.StringVal("eventmall-prod")}),
	}))
	if str(planned, "cidr_block") != "10.40.0.0/16" {
		t.Errorf("configured value changed in the plan")
	}
	for _, n := range []string{"id", "arn", "default_route_table_id", "owner_id"} {
		if planned.GetAttr(n).IsKnown() {
			t.Errorf("computed %s is known at plan: %#v", n, planned.GetAttr(n))
		}
	}
	if got := planned.GetAttr("tags_all"); !got.IsKnown() || got.LengthInt() != 2 {
		t.Errorf("tags_all = %#v, want default_tags + tags", got)
	}
	if got := str(planned, "region"); got != "eu-central-1" {
		t.Errorf("region = %q", got)
	}
	id := str(applied, "id")
	if !regexp.MustCompile(`^vpc-[0-9a-f]{17}$`).MatchString(id) {
		t.Errorf("vpc id %q", id)
	}
	if got, want := str(applied, "arn"), "arn:aws:ec2:eu-central-1:123456789012:vpc/"+id; got != want {
		t.Errorf("arn %q, want %q", got, want)
	}
	if !regexp.MustCompile(`^rtb-[0-9a-f]{17}$`).MatchString(str(applied, "main_route_table_id")) {
		t.Errorf("main_route_table_id %q", str(applied, "main_route_table_id"))
	}
	// Deterministic: the same configuration gives the same id; another gives another.
	_, again := create(t, p, "aws_vpc", cty.ObjectVal(map[string]cty.Value{
		"cidr_block": cty.StringVal("10.40.0.0/16"),
		"tags":       cty.MapVal(map[string]cty.Value{"Name": cty.StringVal("eventmall-prod")}),
	}))
	_, other := create(t, p, "aws_vpc", cty.ObjectVal(map[string]cty.Value{"cidr_block": cty.StringVal("10.41.0.0/16")}))
	if str(again, "id") != id || str(other, "id") == id {
		t.Errorf("ids not a function of the configuration: %s %s %s", id, str(again, "id"), str(other, "id"))
	}
}

func TestUpdateKeepsComputedValues(t *testing.T) {
	p := awsProvider(t, "6.47.0", "")
	snsS, ty, _ := p.resource("aws_sns_topic")
	cfg := nullObject(ty, map[string]cty.Value{"name": cty.StringVal("alarms")}, snsS.Block)
	_, prior := create(t, p, "aws_sns_topic", cfg)
	cfg2 := nullObject(ty, map[string]cty.Value{"name": cty.StringVal("alarms"), "display_name": cty.StringVal("Alarms")}, snsS.Block)
	pr, err := p.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "aws_sns_topic",
		PriorState: mustEncode(t, prior, ty), ProposedNewState: mustEncode(t, cfg2, ty), Config: mustEncode(t, cfg2, ty)})
	if err != nil || len(pr.Diagnostics) > 0 {
		t.Fatal(err, pr.Diagnostics)
	}
	planned, _ := decode(pr.PlannedState, ty)
	if !planned.IsWhollyKnown() || str(planned, "arn") != str(prior, "arn") || str(planned, "display_name") != "Alarms" {
		t.Errorf("update plan: %#v", planned)
	}
	if got, want := str(prior, "arn"), "arn:aws:sns:eu-central-1:123456789012:alarms"; got != want {
		t.Errorf("arn %q want %q", got, want)
	}
	// Unchanged configuration plans exactly the prior state (no diff).
	pr2, _ := p.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "aws_sns_topic",
		PriorState: mustEncode(t, prior, ty), ProposedNewState: mustEncode(t, cfg, ty), Config: mustEncode(t, cfg, ty)})
	same, _ := decode(pr2.PlannedState, ty)
	if !same.Equals(prior).True() {
		t.Errorf("unchanged config planned a change:\n%#v\n%#v", same, prior)
	}
}

func TestShapesOfTheStacksResources(t *testing.T) {
	p := awsProvider(t, "5.82.0", "")
	_, repo := create(t, p, "aws_ecr_repository", cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("eventmall-prod/backend")}))
	if got, want := str(repo, "repository_url"), "123456789012.dkr.ecr.eu-central-1.amazonaws.com/eventmall-prod/backend"; got != want {
		t.Errorf("repository_url %q want %q", got, want)
	}
	_, cache := create(t, p, "aws_elasticache_cluster", cty.ObjectVal(map[string]cty.Value{
		"cluster_id": cty.StringVal("eventmall-prod"), "engine": cty.StringVal("memcached"), "num_cache_nodes": cty.NumberIntVal(3)}))
	if n := cache.GetAttr("cache_nodes").LengthInt(); n != 3 {
		t.Errorf("%d cache nodes, want num_cache_nodes = 3", n)
	}
	if !strings.HasSuffix(str(cache, "configuration_endpoint"), ".cache.amazonaws.com:11211") {
		t.Errorf("configuration_endpoint %q", str(cache, "configuration_endpoint"))
	}
	_, db := create(t, p, "aws_rds_cluster", cty.ObjectVal(map[string]cty.Value{
		"cluster_identifier": cty.StringVal("eventmall-prod"), "engine": cty.StringVal("aurora-mysql"),
		"manage_master_user_password": cty.True}))
	if !regexp.MustCompile(`^eventmall-prod\.cluster-[0-9a-f]{12}\.eu-central-1\.rds\.amazonaws\.com$`).MatchString(str(db, "endpoint")) {
		t.Errorf("endpoint %q", str(db, "endpoint"))
	}
	secret := db.GetAttr("master_user_secret").Index(cty.NumberIntVal(0)).GetAttr("secret_arn").AsString()
	if !strings.HasPrefix(secret, "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!cluster-") {
		t.Errorf("master_user_secret[0].secret_arn %q", secret)
	}
	_, lb := create(t, p, "aws_lb", cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("eventmall-prod")}))
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/eventmall-prod/[0-9a-f]{16}$`).MatchString(str(lb, "arn")) {
		t.Errorf("lb arn %q", str(lb, "arn"))
	}
	if !strings.HasSuffix(str(lb, "dns_name"), ".eu-central-1.elb.amazonaws.com") || str(lb, "id") != str(lb, "arn") {
		t.Errorf("lb dns_name %q id %q", str(lb, "dns_name"), str(lb, "id"))
	}
	_, cf := create(t, p, "aws_cloudfront_distribution", cty.ObjectVal(map[string]cty.Value{"enabled": cty.True}))
	if !regexp.MustCompile(`^E[A-Z0-9]{13}$`).MatchString(str(cf, "id")) || !regexp.MustCompile(`^d[a-z0-9]{13}\.cloudfront\.net$`).MatchString(str(cf, "domain_name")) {
		t.Errorf("distribution %q %q", str(cf, "id"), str(cf, "domain_name"))
	}
	_, role := create(t, p, "aws_iam_role", cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("deployer"), "assume_role_policy": cty.StringVal("{}")}))
	if got := str(role, "arn"); got != "arn:aws:iam::123456789012:role/deployer" {
		t.Errorf("role arn %q", got)
	}
}

func TestValuesFileDecidesEmulatorIDs(t *testing.T) {
	p := awsProvider(t, "6.47.0", `{"account_id": "000000000042", "resources": [
	  {"type": "aws_cloudfront_distribution", "values": {"id": "E2MOTO0000001", "domain_name": "moto.example"}},
	  {"type": "aws_ecr_repository", "match": {"name": "r1"}, "values": {"repository_url": "registry.local/r1"}}]}`)
	_, cf := create(t, p, "aws_cloudfront_distribution", cty.ObjectVal(map[string]cty.Value{"enabled": cty.True}))
	if str(cf, "id") != "E2MOTO0000001" || str(cf, "domain_name") != "moto.example" {
		t.Errorf("distribution %q %q", str(cf, "id"), str(cf, "domain_name"))
	}
	if !strings.Contains(str(cf, "arn"), ":000000000042:distribution/E2MOTO0000001") {
		t.Errorf("arn %q does not follow the overridden id and account", str(cf, "arn"))
	}
	_, r1 := create(t, p, "aws_ecr_repository", cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("r1")}))
	_, r2 := create(t, p, "aws_ecr_repository", cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("r2")}))
	if str(r1, "repository_url") != "registry.local/r1" || !strings.HasPrefix(str(r2, "repository_url"), "000000000042.dkr.ecr.") {
		t.Errorf("match: %q %q", str(r1, "repository_url"), str(r2, "repository_url"))
	}
	if id := read(t, p, "aws_caller_identity", nil); str(id, "account_id") != "000000000042" {
		t.Errorf("caller identity %q", str(id, "account_id"))
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"acount_id": "1"}`), 0o644)
	if _, err := newAWSProvider("6.47.0", bad); err == nil || !strings.Contains(err.Error(), "acount_id") {
		t.Errorf("a misspelt key should fail by name, got %v", err)
	}
}

func TestDataSources(t *testing.T) {
	p := awsProvider(t, "6.47.0", "")
	az := read(t, p, "aws_availability_zones", map[string]cty.Value{"state": cty.StringVal("available")})
	if got := az.GetAttr("names").LengthInt(); got < 2 || az.GetAttr("names").Index(cty.NumberIntVal(0)).AsString() != "eu-central-1a" {
		t.Errorf("zones %#v", az.GetAttr("names"))
	}
	part := read(t, p, "aws_partition", nil)
	if str(part, "partition") != "aws" || str(part, "dns_suffix") != "amazonaws.com" {
		t.Errorf("partition %#v", part)
	}
	reg := read(t, p, "aws_region", nil)
	if str(reg, "region") != "eu-central-1" {
		t.Errorf("region %#v", reg)
	}
	pl := read(t, p, "aws_ec2_managed_prefix_list", map[string]cty.Value{"name": cty.StringVal("com.amazonaws.global.cloudfront.origin-facing")})
	if !regexp.MustCompile(`^pl-[0-9a-f]{8}$`).MatchString(str(pl, "id")) {
		t.Errorf("prefix list %q", str(pl, "id"))
	}
	ami := read(t, p, "aws_ssm_parameter", map[string]cty.Value{"name": cty.StringVal("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
	if !regexp.MustCompile(`^ami-[0-9a-f]{17}$`).MatchString(str(ami, "value")) {
		t.Errorf("ami %q", str(ami, "value"))
	}
	sn := read(t, p, "aws_subnets", map[string]cty.Value{"tags": cty.MapVal(map[string]cty.Value{"Tier": cty.StringVal("private")})})
	ids := sn.GetAttr("ids").AsValueSlice()
	if len(ids) != 2 || ids[0].Equals(ids[1]).True() || !regexp.MustCompile(`^subnet-[0-9a-f]{17}$`).MatchString(ids[0].AsString()) {
		t.Errorf("subnets %#v", ids)
	}
	cp := read(t, p, "aws_cloudfront_cache_policy", map[string]cty.Value{"name": cty.StringVal("Managed-CachingDisabled")})
	if str(cp, "id") != "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" {
		t.Errorf("managed cache policy id %q", str(cp, "id"))
	}
}

func TestPolicyDocumentRenderedForReal(t *testing.T) {
	p := awsProvider(t, "6.47.0", "")
	_, ty, _ := p.dataSource("aws_iam_policy_document")
	stTy := ty.AttributeType("statement").ElementType()
	principal := stTy.AttributeType("principals").ElementType()
	cond := stTy.AttributeType("condition").ElementType()
	st := nullObject(stTy, map[string]cty.Value{
		"sid":       cty.StringVal("Assume"),
		"actions":   cty.SetVal([]cty.Value{cty.StringVal("sts:AssumeRoleWithWebIdentity")}),
		"resources": cty.SetVal([]cty.Value{cty.StringVal("arn:aws:s3:::b/*"), cty.StringVal("arn:aws:s3:::b")}),
		"principals": cty.SetVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"type": cty.StringVal("Federated"),
			"identifiers": cty.SetVal([]cty.Value{cty.StringVal("arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com")})})}),
		"condition": cty.SetVal([]cty.Value{cty.ObjectVal(map[string]cty.Value{"test": cty.StringVal("StringLike"),
			"variable": cty.StringVal("token.actions.githubusercontent.com:sub"), "values": cty.ListVal([]cty.Value{cty.StringVal("repo:a/b:*")})})}),
	})
	_ = principal
	_ = cond
	doc := read(t, p, "aws_iam_policy_document", map[string]cty.Value{"statement": cty.ListVal([]cty.Value{st})})
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Assume",
      "Effect": "Allow",
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Resource": [
        "arn:aws:s3:::b",
        "arn:aws:s3:::b/*"
      ],
      "Principal": {
        "Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"
      },
      "Condition": {
        "StringLike": {
          "token.actions.githubusercontent.com:sub": "repo:a/b:*"
        }
      }
    }
  ]
}`
	if got := str(doc, "json"); got != want {
		t.Errorf("json:\n%s\nwant:\n%s", got, want)
	}
	var parsed map[string]any
	if err := json.Unmarshal([]byte(str(doc, "minified_json")), &parsed); err != nil || strings.Contains(str(doc, "minified_json"), "\n") {
		t.Errorf("minified_json %q", str(doc, "minified_json"))
	}
	// An override replaces the statement with the same sid.
	over := `{"Statement":[{"Sid":"Assume","Effect":"Deny","Action":"*","Resource":"*"}]}`
	doc2 := read(t, p, "aws_iam_policy_document", map[string]cty.Value{"statement": cty.ListVal([]cty.Value{st}),
		"override_policy_documents": cty.ListVal([]cty.Value{cty.StringVal(over)})})
	if !strings.Contains(str(doc2, "json"), `"Effect": "Deny"`) || strings.Contains(str(doc2, "json"), "Federated") {
		t.Errorf("override not applied:\n%s", str(doc2, "json"))
	}
}

func TestImportIsRefused(t *testing.T) {
	p := awsProvider(t, "6.47.0", "")
	resp, _ := p.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "aws_vpc", ID: "vpc-1"})
	if len(resp.Diagnostics) != 1 || !strings.Contains(resp.Diagnostics[0].Detail, "cannot import aws_vpc") {
		t.Errorf("import: %#v", resp.Diagnostics)
	}
}

func TestStateFromAnotherSchemaVersionUpgrades(t *testing.T) {
	p := awsProvider(t, "5.82.0", "")
	raw := `{"id":"vpc-1","cidr_block":"10.0.0.0/16","region":"eu-central-1","no_such_attribute":1}`
	resp, err := p.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: "aws_vpc", RawState: &tfprotov6.RawState{JSON: []byte(raw)}})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatal(err, resp.Diagnostics)
	}
	_, ty, _ := p.resource("aws_vpc")
	v, _ := decode(resp.UpgradedState, ty)
	if str(v, "id") != "vpc-1" || !v.GetAttr("arn").IsNull() {
		t.Errorf("upgraded %#v", v)
	}
}

func TestRandomStandIn(t *testing.T) {
	p, err := newRandomProvider("3.7.2")
	if err != nil {
		t.Fatal(err)
	}
	planned, applied := create(t, p, "random_password", cty.ObjectVal(map[string]cty.Value{"length": cty.NumberIntVal(48), "special": cty.False}))
	if planned.GetAttr("result").IsKnown() || planned.GetAttr("upper") != cty.True {
		t.Errorf("planned %#v", planned)
	}
	res := str(applied, "result")
	if !regexp.MustCompile(`^[A-Za-z0-9]{48}$`).MatchString(res) {
		t.Errorf("result %q", res)
	}
	_, ty, _ := p.resource("random_password")
	cfg2 := nullObject(ty, map[string]cty.Value{"length": cty.NumberIntVal(40), "special": cty.False})
	pr, _ := p.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "random_password",
		PriorState: mustEncode(t, applied, ty), ProposedNewState: mustEncode(t, cfg2, ty), Config: mustEncode(t, cfg2, ty)})
	if len(pr.RequiresReplace) != 1 {
		t.Errorf("a changed length should replace, got %v", pr.RequiresReplace)
	}
}

// A task definition cannot be updated in AWS (each change is a new revision): a changed argument
// must plan a replacement, an unchanged one nothing. Planned in place, terraform found the set
// of volumes of the plan and of the apply-time plan inconsistent (the deploy rehearsal's second
// release failed at apply service).
func TestTaskDefinitionChangesReplace(t *testing.T) {
	p := awsProvider(t, "6.47.0", "")
	args := func(image string) map[string]cty.Value {
		return map[string]cty.Value{
			"family":                cty.StringVal("eventmall-prod"),
			"container_definitions": cty.StringVal(`[{"name":"api","image":"` + image + `","essential":true}]`),
		}
	}
	_, applied := create(t, p, "aws_ecs_task_definition", cty.ObjectVal(args("repo@sha256:aa")))
	_, ty, _ := p.resource("aws_ecs_task_definition")
	plan := func(a map[string]cty.Value) *tfprotov6.PlanResourceChangeResponse {
		cfg := nullObject(ty, a)
		pr, err := p.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "aws_ecs_task_definition",
			PriorState: mustEncode(t, applied, ty), ProposedNewState: mustEncode(t, cfg, ty), Config: mustEncode(t, cfg, ty)})
		if err != nil || len(pr.Diagnostics) > 0 {
			t.Fatal(err, pr.Diagnostics)
		}
		return pr
	}
	if pr := plan(args("repo@sha256:bb")); len(pr.RequiresReplace) != 1 {
		t.Errorf("a new image should replace the task definition, got %v", pr.RequiresReplace)
	}
	if pr := plan(args("repo@sha256:aa")); len(pr.RequiresReplace) != 0 {
		t.Errorf("an unchanged task definition should not be replaced, got %v", pr.RequiresReplace)
	}
}

func TestFaultsDelayAndFailTheApply(t *testing.T) {
	p := awsProvider(t, "6.47.0", `{"faults": [
	  {"type": "aws_ecr_repository", "match": {"name": "slow"}, "delay_seconds": 0.3},
	  {"type": "aws_ecr_repository", "match": {"name": "refused"}, "error": "injected: the API refused"}]}`)
	t0 := time.Now()
	_, slow := create(t, p, "aws_ecr_repository", cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("slow")}))
	if d := time.Since(t0); d < 300*time.Millisecond || str(slow, "name") != "slow" {
		t.Errorf("the slow apply took %s and gave %q: want at least 300ms, then a normal apply", d, str(slow, "name"))
	}
	_, ty, _ := p.resource("aws_ecr_repository")
	sch, _, _ := p.resource("aws_ecr_repository")
	cfg := nullObject(ty, map[string]cty.Value{"name": cty.StringVal("refused")}, sch.Block)
	pr, err := p.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: "aws_ecr_repository",
		PriorState: mustEncode(t, cty.NullVal(ty), ty), ProposedNewState: mustEncode(t, cfg, ty), Config: mustEncode(t, cfg, ty)})
	if err != nil || len(pr.Diagnostics) > 0 {
		t.Fatalf("plan: %v %v", err, pr.Diagnostics)
	}
	ar, err := p.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: "aws_ecr_repository",
		PriorState: mustEncode(t, cty.NullVal(ty), ty), PlannedState: pr.PlannedState, Config: mustEncode(t, cfg, ty)})
	if err != nil || len(ar.Diagnostics) != 1 || !strings.Contains(ar.Diagnostics[0].Detail, "injected: the API refused") {
		t.Fatalf("the faulted apply should fail naming the injected error: %v %v", err, ar.Diagnostics)
	}
	if _, other := create(t, p, "aws_ecr_repository", cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("other")})); str(other, "name") != "other" {
		t.Errorf("a resource no fault matches was not applied normally")
	}
	for _, bad := range []string{`{"faults": [{"delay_seconds": 1}]}`, `{"faults": [{"type": "aws_s3_bucket"}]}`, `{"faults": [{"type": "aws_s3_bucket", "delay_seconds": 900}]}`} {
		f := filepath.Join(t.TempDir(), "bad.json")
		os.WriteFile(f, []byte(bad), 0o644)
		if _, err := newAWSProvider("6.47.0", f); err == nil || !strings.Contains(err.Error(), "faults[0]") {
			t.Errorf("%s should be refused naming faults[0], got %v", bad, err)
		}
	}
}
