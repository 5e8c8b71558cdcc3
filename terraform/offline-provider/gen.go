package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// env is what generated values are shaped by: where the provider "runs".
type env struct {
	Region    string
	AccountID string
	Partition string
}

func partitionOf(region string) (partition, dnsSuffix string) {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn", "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov", "amazonaws.com"
	default:
		return "aws", "amazonaws.com"
	}
}

// resource is one object being given values: its type, what is known of it so far and a
// seed that makes every generated value a function of the type and the known configuration.
type resource struct {
	Type string
	Vals map[string]cty.Value
	Env  env
	seed []byte
}

func newResource(typ string, obj cty.Value, e env) *resource {
	r := &resource{Type: typ, Vals: obj.AsValueMap(), Env: e}
	if r.Vals == nil {
		r.Vals = map[string]cty.Value{}
	}
	h := sha256.New()
	h.Write([]byte(typ + "\x00" + e.Region + "\x00" + e.AccountID + "\x00"))
	// Known, configured values only (sorted by name): the same configuration gives the same ids.
	for _, k := range sortedKeys(r.Vals) {
		v := r.Vals[k]
		if k == "tags_all" || !v.IsWhollyKnown() || v.IsNull() {
			continue
		}
		b, err := ctyjson.Marshal(v, v.Type())
		if err == nil {
			h.Write([]byte(k + "=" + string(b) + "\x00"))
		}
	}
	r.seed = h.Sum(nil)
	return r
}

// hex returns n deterministic lowercase hex digits for label.
func (r *resource) hex(label string, n int) string {
	var out string
	for i := 0; len(out) < n; i++ {
		s := sha256.Sum256(append(append([]byte{}, r.seed...), []byte(fmt.Sprintf("%s/%d", label, i))...))
		out += hex.EncodeToString(s[:])
	}
	return out[:n]
}

// alnum returns n deterministic uppercase letters and digits for label.
func (r *resource) alnum(label string, n int) string {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	x := new(big.Int)
	x.SetString(r.hex(label, 64), 16)
	var b strings.Builder
	m := big.NewInt(int64(len(digits)))
	for b.Len() < n {
		d := new(big.Int)
		x.DivMod(x, m, d)
		b.WriteByte(digits[d.Int64()])
	}
	return b.String()
}

func (r *resource) digits(label string, n int) string {
	h := r.hex(label, n*2)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte('0' + h[i]%10)
	}
	return b.String()
}

func (r *resource) uuid(label string) string {
	h := r.hex(label, 32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// str is a known string attribute's value, or "".
func (r *resource) str(name string) string {
	v, ok := r.Vals[name]
	if !ok || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

func (r *resource) num(name string) (int, bool) {
	v, ok := r.Vals[name]
	if !ok || !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
		return 0, false
	}
	f, _ := v.AsBigFloat().Int64()
	return int(f), true
}

// firstStr is the first of names with a known value.
func (r *resource) firstStr(names ...string) string {
	for _, n := range names {
		if s := r.str(n); s != "" {
			return s
		}
	}
	return ""
}

// ec2Prefixes: resource types whose id is an EC2-style "<prefix>-<17 hex>".
var ec2Prefixes = map[string]string{
	"aws_vpc": "vpc", "aws_subnet": "subnet", "aws_internet_gateway": "igw", "aws_egress_only_internet_gateway": "eigw",
	"aws_nat_gateway": "nat", "aws_eip": "eipalloc", "aws_route_table": "rtb", "aws_default_route_table": "rtb",
	"aws_route_table_association": "rtbassoc", "aws_security_group": "sg", "aws_default_security_group": "sg",
	"aws_vpc_security_group_ingress_rule": "sgr", "aws_vpc_security_group_egress_rule": "sgr",
	"aws_security_group_rule": "sgrule", "aws_flow_log": "fl", "aws_instance": "i", "aws_network_interface": "eni",
	"aws_vpc_endpoint": "vpce", "aws_network_acl": "acl", "aws_default_network_acl": "acl", "aws_launch_template": "lt",
	"aws_ebs_volume": "vol", "aws_key_pair": "key", "aws_ec2_managed_prefix_list": "pl", "aws_vpc_dhcp_options": "dopt",
	"aws_ami": "ami", "aws_placement_group": "pg", "aws_ec2_transit_gateway": "tgw",
}

// idIsARN: resource types whose id is their ARN.
var idIsARN = map[string]bool{
	"aws_sns_topic": true, "aws_sns_topic_subscription": true, "aws_lb": true, "aws_alb": true, "aws_lb_listener": true,
	"aws_lb_target_group": true, "aws_lb_listener_rule": true, "aws_acm_certificate": true, "aws_ecs_cluster": true,
	"aws_ecs_service": true, "aws_secretsmanager_secret": true, "aws_secretsmanager_secret_version": false,
	"aws_iam_openid_connect_provider": true, "aws_iam_policy": true, "aws_cloudtrail": false, "aws_sqs_queue": false,
}

// nameAttrs: attributes that name a resource, in order of preference, for ids and ARNs.
var nameAttrs = []string{"bucket", "name", "cluster_identifier", "identifier", "cluster_id", "replication_group_id",
	"family", "alarm_name", "function_name", "repository", "role", "table_name", "topic_name", "user_name", "group"}

// computeTop fills the unknown top-level attributes of r, id and arn first (others refer to them).
func (r *resource) computeTop(types map[string]cty.Type) {
	names := sortedKeys(types)
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	for _, n := range names {
		if v, ok := r.Vals[n]; ok && v.IsKnown() {
			continue
		}
		r.Vals[n] = r.gen(cty.GetAttrPath(n), n, types[n])
	}
}

func rank(name string) int {
	switch name {
	case "name", "bucket", "cluster_identifier", "identifier", "cluster_id", "family":
		return 0
	case "id":
		return 1
	case "arn":
		return 2
	}
	return 3
}

// fill replaces every unknown value inside v (nested blocks, objects in lists) with a generated one.
func (r *resource) fill(v cty.Value) cty.Value {
	out, _ := cty.Transform(v, func(p cty.Path, v cty.Value) (cty.Value, error) {
		if v.IsKnown() {
			return v, nil
		}
		name := ""
		for i := len(p) - 1; i >= 0; i-- {
			if s, ok := p[i].(cty.GetAttrStep); ok {
				name = s.Name
				break
			}
		}
		return r.gen(p, name, v.Type()), nil
	})
	return out
}

// gen makes a value for attribute name (at path p) of type ty.
func (r *resource) gen(p cty.Path, name string, ty cty.Type) cty.Value {
	label := fmt.Sprintf("%#v", p)
	if len(p) == 1 {
		if v, ok := r.special(name); ok {
			if conv, err := convertTo(v, ty); err == nil {
				return conv
			}
		}
	}
	switch {
	case ty == cty.String:
		return cty.StringVal(r.genString(label, name))
	case ty == cty.Number:
		return cty.NumberIntVal(int64(r.genNumber(name)))
	case ty == cty.Bool:
		return cty.False
	case ty.IsListType() || ty.IsSetType():
		et := ty.ElementType()
		if !et.IsObjectType() {
			if ty.IsListType() {
				return cty.ListValEmpty(et)
			}
			return cty.SetValEmpty(et)
		}
		n := 1
		if name == "cache_nodes" {
			if c, ok := r.num("num_cache_nodes"); ok && c > 0 {
				n = c
			}
		}
		var elems []cty.Value
		for i := 0; i < n; i++ {
			elems = append(elems, r.genObject(p.Index(cty.NumberIntVal(int64(i))), name, i, et))
		}
		if ty.IsListType() {
			return cty.ListVal(elems)
		}
		return cty.SetVal(elems)
	case ty.IsMapType():
		return cty.MapValEmpty(ty.ElementType())
	case ty.IsObjectType():
		return r.genObject(p, name, 0, ty)
	case ty.IsTupleType():
		return cty.EmptyTupleVal
	default:
		return cty.NullVal(ty)
	}
}

func (r *resource) genObject(p cty.Path, parent string, i int, ty cty.Type) cty.Value {
	vals := map[string]cty.Value{}
	for _, an := range sortedKeys(ty.AttributeTypes()) {
		at := ty.AttributeType(an)
		if parent == "cache_nodes" {
			host := r.str("cluster_id")
			switch an {
			case "address":
				vals[an] = cty.StringVal(fmt.Sprintf("%s.%s.%04d.%s.cache.amazonaws.com", host, r.hex("cfg", 6), i+1, short(r.Env.Region)))
				continue
			case "id":
				vals[an] = cty.StringVal(fmt.Sprintf("%04d", i+1))
				continue
			case "port":
				vals[an] = cty.NumberIntVal(11211)
				continue
			}
		}
		if parent == "master_user_secret" && an == "secret_arn" {
			vals[an] = cty.StringVal(r.arn("secretsmanager", "secret:rds!cluster-"+r.uuid("secret")+"-"+r.alnum("s6", 6)))
			continue
		}
		if parent == "master_user_secret" && an == "secret_status" {
			vals[an] = cty.StringVal("active")
			continue
		}
		vals[an] = r.gen(p.GetAttr(an), an, at)
	}
	if len(vals) == 0 {
		return cty.EmptyObjectVal
	}
	return cty.ObjectVal(vals)
}

// short is the region's short code in hostnames, e.g. use1 for us-east-1.
func short(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) < 3 {
		return region
	}
	return parts[0] + string(parts[1][0]) + parts[len(parts)-1]
}

func (r *resource) genNumber(name string) int {
	switch name {
	case "port":
		switch {
		case strings.HasPrefix(r.Type, "aws_rds") || strings.HasPrefix(r.Type, "aws_db"):
			return 3306
		case strings.HasPrefix(r.Type, "aws_elasticache"):
			return 11211
		}
		return 443
	case "revision", "version", "latest_version", "schema_version":
		return 1
	}
	return 0
}

func (r *resource) genString(label, name string) string {
	e := r.Env
	switch {
	case name == "id":
		return r.id()
	case name == "arn":
		return r.resourceARN()
	case name == "region":
		return e.Region
	case name == "owner_id" || name == "account_id" || name == "registry_id" || name == "owner_account_id":
		return e.AccountID
	case name == "partition":
		return e.Partition
	case strings.HasSuffix(name, "_arn"):
		svc := strings.SplitN(strings.TrimPrefix(r.Type, "aws_"), "_", 2)[0]
		return r.arn(svc, strings.TrimSuffix(name, "_arn")+"/"+r.hex(label, 16))
	case name == "hosted_zone_id" || name == "zone_id":
		return "Z" + r.alnum(label, 13)
	case name == "etag" || name == "checksum" || strings.HasSuffix(name, "_hash") || name == "md5":
		return r.hex(label, 32)
	case strings.HasSuffix(name, "_date") || strings.HasSuffix(name, "_time") || strings.HasSuffix(name, "_at") ||
		name == "create_date" || name == "creation_date" || strings.HasSuffix(name, "_till"):
		return "2026-01-01T00:00:00Z"
	case strings.Contains(name, "public_ip"):
		h := r.hex(label, 4)
		return fmt.Sprintf("3.%d.%d.%d", 80+int(h[0])%100, int(h[1])*7%250, 1+int(h[2])*3%250)
	case strings.Contains(name, "private_ip"):
		h := r.hex(label, 4)
		return fmt.Sprintf("10.0.%d.%d", int(h[0])*5%250, 4+int(h[1])*3%240)
	case name == "status" || name == "state":
		return "available"
	case strings.HasSuffix(name, "_id"):
		return idPrefix(strings.TrimSuffix(name, "_id")) + "-" + r.hex(label, 17)
	}
	return name + "-" + r.hex(label, 12)
}

// nameOf is the resource's configured name, if any.
func (r *resource) nameOf() string { return r.firstStr(nameAttrs...) }

func (r *resource) id() string {
	t := r.Type
	if p, ok := ec2Prefixes[t]; ok {
		return p + "-" + r.hex("id", 17)
	}
	switch t {
	case "aws_route":
		return "r-" + r.str("route_table_id") + "1080289494"
	case "aws_kms_key", "aws_cloudfront_response_headers_policy", "aws_cloudfront_cache_policy", "aws_cloudfront_origin_request_policy":
		return r.uuid("id")
	case "aws_cloudfront_distribution", "aws_cloudfront_origin_access_control", "aws_cloudfront_origin_access_identity":
		return "E" + r.alnum("id", 13)
	case "aws_route53_zone":
		return "Z" + r.alnum("id", 20)
	case "aws_route53_record":
		return r.str("zone_id") + "_" + r.str("name") + "_" + r.str("type")
	case "aws_iam_role_policy":
		return r.str("role") + ":" + r.str("name")
	case "aws_iam_group_policy":
		return r.str("group") + ":" + r.str("name")
	case "aws_iam_role_policy_attachment":
		return r.str("role") + "-" + "2026" + r.digits("id", 22)
	case "aws_acm_certificate_validation":
		return "2026-01-01 00:00:00 +0000 UTC"
	case "aws_appautoscaling_target":
		return r.str("resource_id")
	case "aws_ecs_cluster_capacity_providers":
		return r.str("cluster_name")
	case "aws_ecr_lifecycle_policy", "aws_ecr_repository_policy":
		return r.str("repository")
	case "aws_s3_bucket_policy", "aws_s3_bucket_versioning", "aws_s3_bucket_public_access_block",
		"aws_s3_bucket_ownership_controls", "aws_s3_bucket_server_side_encryption_configuration",
		"aws_s3_bucket_lifecycle_configuration", "aws_s3_bucket_logging", "aws_s3_bucket_cors_configuration",
		"aws_s3_bucket_website_configuration", "aws_s3_bucket_notification", "aws_s3_bucket_acl":
		return r.str("bucket")
	case "aws_kms_alias":
		return r.str("name")
	}
	if idIsARN[t] {
		if a := r.str("arn"); a != "" {
			return a
		}
		return r.resourceARN()
	}
	if n := r.nameOf(); n != "" {
		return n
	}
	if n := r.str("name_prefix"); n != "" {
		return n + r.digits("name", 26)
	}
	return strings.TrimPrefix(t, "aws_") + "-" + r.hex("id", 16)
}

func (r *resource) arn(service, res string) string {
	e := r.Env
	return "arn:" + e.Partition + ":" + service + ":" + e.Region + ":" + e.AccountID + ":" + res
}

func (r *resource) global(service, res string) string {
	return "arn:" + r.Env.Partition + ":" + service + "::" + r.Env.AccountID + ":" + res
}

// resourceARN is the ARN of r, shaped like the service's.
func (r *resource) resourceARN() string {
	t := strings.TrimPrefix(r.Type, "aws_")
	name := r.nameOf()
	if name == "" {
		name = r.str("id")
	}
	id := r.str("id")
	switch {
	case strings.HasPrefix(t, "iam_"):
		kind := strings.ReplaceAll(strings.TrimPrefix(t, "iam_"), "_", "-")
		if t == "iam_openid_connect_provider" {
			u := strings.TrimPrefix(strings.TrimPrefix(r.str("url"), "https://"), "http://")
			return r.global("iam", "oidc-provider/"+u)
		}
		path := r.str("path")
		if path == "" {
			path = "/"
		}
		return r.global("iam", kind+path+name)
	case t == "s3_bucket":
		return "arn:" + r.Env.Partition + ":s3:::" + r.str("bucket")
	case t == "kms_key":
		return r.arn("kms", "key/"+id)
	case t == "kms_alias":
		return r.arn("kms", r.str("name"))
	case t == "cloudwatch_log_group":
		return r.arn("logs", "log-group:"+name)
	case t == "cloudwatch_metric_alarm":
		return r.arn("cloudwatch", "alarm:"+name)
	case t == "sns_topic":
		return r.arn("sns", name)
	case t == "sns_topic_subscription":
		return r.arn("sns", strings.TrimPrefix(lastColon(r.str("topic_arn")), ":")+":"+r.uuid("sub"))
	case t == "cloudtrail":
		return r.arn("cloudtrail", "trail/"+name)
	case t == "lb" || t == "alb":
		return r.arn("elasticloadbalancing", "loadbalancer/app/"+name+"/"+r.hex("lb", 16))
	case t == "lb_target_group":
		return r.arn("elasticloadbalancing", "targetgroup/"+name+"/"+r.hex("tg", 16))
	case t == "lb_listener":
		return strings.Replace(r.str("load_balancer_arn"), ":loadbalancer/", ":listener/", 1) + "/" + r.hex("listener", 16)
	case t == "lb_listener_rule":
		return strings.Replace(r.str("listener_arn"), ":listener/", ":listener-rule/", 1) + "/" + r.hex("rule", 16)
	case t == "acm_certificate":
		return r.arn("acm", "certificate/"+r.uuid("cert"))
	case strings.HasPrefix(t, "cloudfront_"):
		kind := strings.ReplaceAll(strings.TrimPrefix(t, "cloudfront_"), "_", "-")
		if t == "cloudfront_function" {
			return r.global("cloudfront", "function/"+name)
		}
		return r.global("cloudfront", kind+"/"+id)
	case t == "rds_cluster":
		return r.arn("rds", "cluster:"+name)
	case t == "rds_cluster_instance" || t == "db_instance":
		return r.arn("rds", "db:"+name)
	case t == "db_subnet_group":
		return r.arn("rds", "subgrp:"+name)
	case t == "rds_cluster_parameter_group":
		return r.arn("rds", "cluster-pg:"+name)
	case t == "db_parameter_group":
		return r.arn("rds", "pg:"+name)
	case t == "elasticache_cluster":
		return r.arn("elasticache", "cluster:"+name)
	case t == "elasticache_subnet_group":
		return r.arn("elasticache", "subnetgroup:"+name)
	case t == "ecr_repository":
		return r.arn("ecr", "repository/"+name)
	case t == "ecs_cluster":
		return r.arn("ecs", "cluster/"+name)
	case t == "ecs_service":
		return r.arn("ecs", "service/"+lastSlash(r.str("cluster"))+"/"+name)
	case t == "ecs_task_definition":
		return r.arn("ecs", "task-definition/"+name+":1")
	case t == "secretsmanager_secret":
		return r.arn("secretsmanager", "secret:"+name+"-"+r.alnum("secret", 6))
	case t == "route53_zone":
		return "arn:" + r.Env.Partition + ":route53:::hostedzone/" + id
	case t == "ssm_parameter":
		return r.arn("ssm", "parameter"+name)
	case strings.HasPrefix(t, "appautoscaling_"):
		return r.arn("autoscaling", "scalingPolicy:"+r.uuid("policy")+":resource/"+r.str("resource_id")+":policyName/"+name)
	}
	if _, ok := ec2Prefixes[r.Type]; ok {
		kind := strings.ReplaceAll(t, "_", "-")
		switch t {
		case "eip":
			kind = "elastic-ip"
		case "nat_gateway":
			kind = "natgateway"
		case "flow_log":
			kind = "vpc-flow-log"
		case "vpc_security_group_ingress_rule", "vpc_security_group_egress_rule":
			kind = "security-group-rule"
		case "default_security_group":
			kind = "security-group"
		}
		return r.arn("ec2", kind+"/"+id)
	}
	svc := strings.SplitN(t, "_", 2)[0]
	return r.arn(svc, strings.ReplaceAll(strings.TrimPrefix(t, svc+"_"), "_", "-")+"/"+name)
}

func lastSlash(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func lastColon(s string) string {
	if i := strings.LastIndex(s, ":"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// special: values of particular attributes of particular resource types, shaped like AWS's.
func (r *resource) special(name string) (cty.Value, bool) {
	e := r.Env
	s := func(v string) (cty.Value, bool) { return cty.StringVal(v), true }
	switch r.Type + "." + name {
	case "aws_lb.dns_name", "aws_alb.dns_name":
		n := r.nameOf()
		if n == "" {
			n = "internal"
		}
		return s(fmt.Sprintf("%s-%s.%s.elb.amazonaws.com", truncate(n, 32), r.digits("dns", 10), e.Region))
	case "aws_lb.zone_id", "aws_alb.zone_id":
		return s("Z35SXDOTRQ7X7K")
	case "aws_lb.arn_suffix", "aws_lb_target_group.arn_suffix":
		a := r.str("arn")
		if i := strings.Index(a, ":loadbalancer/"); i >= 0 {
			return s(a[i+len(":loadbalancer/"):])
		}
		if i := strings.Index(a, ":targetgroup/"); i >= 0 {
			return s(a[i+1:])
		}
	case "aws_cloudfront_distribution.domain_name":
		return s("d" + strings.ToLower(r.alnum("domain", 13)) + ".cloudfront.net")
	case "aws_cloudfront_distribution.hosted_zone_id":
		return s("Z2FDTNDATAQYW2")
	case "aws_cloudfront_distribution.status":
		return s("Deployed")
	case "aws_s3_bucket.bucket_domain_name":
		return s(r.str("bucket") + ".s3.amazonaws.com")
	case "aws_s3_bucket.bucket_regional_domain_name":
		return s(r.str("bucket") + ".s3." + e.Region + ".amazonaws.com")
	case "aws_s3_bucket.hosted_zone_id":
		return s("Z3AQBSTGFYJSTF")
	case "aws_s3_bucket.region":
		return s(e.Region)
	case "aws_ecr_repository.repository_url":
		return s(e.AccountID + ".dkr.ecr." + e.Region + ".amazonaws.com/" + r.str("name"))
	case "aws_rds_cluster.endpoint":
		return s(r.str("cluster_identifier") + ".cluster-" + r.hex("cluster", 12) + "." + e.Region + ".rds.amazonaws.com")
	case "aws_rds_cluster.reader_endpoint":
		return s(r.str("cluster_identifier") + ".cluster-ro-" + r.hex("cluster", 12) + "." + e.Region + ".rds.amazonaws.com")
	case "aws_rds_cluster_instance.endpoint":
		return s(r.str("identifier") + "." + r.hex("cluster", 12) + "." + e.Region + ".rds.amazonaws.com")
	case "aws_rds_cluster.cluster_resource_id", "aws_rds_cluster_instance.dbi_resource_id":
		return s("cluster-" + r.alnum("res", 26))
	case "aws_elasticache_cluster.configuration_endpoint":
		return s(r.str("cluster_id") + "." + r.hex("cfg", 6) + ".cfg." + short(e.Region) + ".cache.amazonaws.com:11211")
	case "aws_elasticache_cluster.cluster_address":
		return s(r.str("cluster_id") + "." + r.hex("cfg", 6) + ".cfg." + short(e.Region) + ".cache.amazonaws.com")
	case "aws_ecs_task_definition.revision":
		return cty.NumberIntVal(1), true
	case "aws_ecs_task_definition.arn_without_revision":
		return s(r.arn("ecs", "task-definition/"+r.str("family")))
	case "aws_kms_key.key_id":
		return s(r.str("id"))
	case "aws_kms_alias.target_key_arn":
		return s(r.arn("kms", "key/"+r.str("target_key_id")))
	case "aws_instance.ami":
		return s("ami-" + r.hex("ami", 17))
	case "aws_instance.private_dns":
		return s("ip-10-0-0-10." + e.Region + ".compute.internal")
	case "aws_route53_zone.zone_id":
		return s(r.str("id"))
	case "aws_route53_zone.name_servers":
		return cty.ListVal([]cty.Value{cty.StringVal("ns-1.awsdns-01.org"), cty.StringVal("ns-2.awsdns-02.net")}), true
	case "aws_route53_record.fqdn":
		return s(strings.TrimSuffix(r.str("name"), "."))
	case "aws_sns_topic.owner", "aws_iam_role.unique_id", "aws_iam_user.unique_id":
		if name == "owner" {
			return s(e.AccountID)
		}
		return s("AROA" + r.alnum("uid", 17))
	case "aws_cloudwatch_log_group.arn":
		return s(r.arn("logs", "log-group:"+r.str("name")))
	case "aws_cloudfront_function.etag", "aws_cloudfront_function.live_stage_etag":
		return s("E" + r.alnum("etag", 13))
	case "aws_cloudfront_origin_access_control.etag", "aws_cloudfront_distribution.etag", "aws_cloudfront_response_headers_policy.etag":
		return s("E" + r.alnum("etag", 13))
	case "aws_eip.public_dns":
		return s("ec2-3-80-0-1.compute-1.amazonaws.com")
	case "aws_eip.allocation_id":
		return s(r.str("id"))
	case "aws_acm_certificate.status":
		return s("ISSUED")
	case "aws_acm_certificate_validation.certificate_arn":
		return s(r.str("certificate_arn"))
	}
	return cty.NilVal, false
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// convertTo turns a Go-ish value into ty, via JSON.
func convertTo(v cty.Value, ty cty.Type) (cty.Value, error) {
	if v.Type().Equals(ty) {
		return v, nil
	}
	b, err := ctyjson.Marshal(v, v.Type())
	if err != nil {
		return cty.NilVal, err
	}
	return ctyjson.Unmarshal(b, ty)
}

// idPrefix is the EC2-style prefix of an id attribute named after a thing, e.g. rtb for
// main_route_table_id (the longest resource name it ends with).
func idPrefix(thing string) string {
	best, prefix := 0, thing
	for typ, p := range ec2Prefixes {
		kind := strings.TrimPrefix(typ, "aws_")
		if (thing == kind || strings.HasSuffix(thing, "_"+kind)) && len(kind) > best {
			best, prefix = len(kind), p
		}
	}
	return prefix
}
