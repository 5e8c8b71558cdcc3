package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

const cloudFrontPrefixList = "com.amazonaws.global.cloudfront.origin-facing"

// vpcOriginSGVar is the alb module's variable holding the security group AWS creates for a
// CloudFront VPC origin (CloudFront-VPCOrigins-Service-SG).
const vpcOriginSGVar = "vpc_origin_security_group_id"

var sgRef = regexp.MustCompile(`aws_security_group\.([A-Za-z0-9_-]+)`)

func refs(raw string) []string {
	var out []string
	for _, m := range sgRef.FindAllStringSubmatch(raw, -1) {
		out = append(out, m[1])
	}
	return out
}

func refersTo(raw, typ, name string) bool {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(typ+"."+name) + `\b`).MatchString(raw)
}

// ingressRule is one ingress permission: an inline block or a rule resource.
type ingressRule struct {
	where string
	body  *hclsyntax.Body
	src   []byte
}

func (r ingressRule) raw(name string) string { return rawAttr(r.body, r.src, name) }

// ingressOf lists every ingress permission of aws_security_group.NAME in module m.
func ingressOf(m *Module, name string) []ingressRule {
	var out []ingressRule
	for _, sg := range m.ResourcesOf("aws_security_group") {
		if sg.Name != name {
			continue
		}
		for _, in := range nested(sg.Body, "ingress") {
			out = append(out, ingressRule{where: sg.Where() + " (inline ingress)", body: in, src: sg.Src})
		}
	}
	for _, r := range m.Resources {
		isIngress := r.Type == "aws_vpc_security_group_ingress_rule"
		if r.Type == "aws_security_group_rule" {
			ty, _ := literalString(r.Body, "type")
			isIngress = ty == "ingress"
		}
		if isIngress && refersTo(r.Raw("security_group_id"), "aws_security_group", name) {
			out = append(out, ingressRule{where: r.Where() + " " + r.Addr(), body: r.Body, src: r.Src})
		}
	}
	return out
}

var cidrAttrs = []string{"cidr_ipv4", "cidr_ipv6", "cidr_blocks", "ipv6_cidr_blocks"}

// CheckALBIngress: the security groups of every aws_lb admit traffic only from CloudFront's
// origin-facing managed prefix list (no CIDR, no other group, no self).
func CheckALBIngress(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, lb := range m.ResourcesOf("aws_lb") {
			groups := refs(lb.Raw("security_groups"))
			if len(groups) == 0 {
				out = append(out, fmt.Sprintf("%s: %s has no security group of its own module", lb.Where(), lb.Addr()))
			}
			for _, g := range groups {
				rules := ingressOf(m, g)
				if len(rules) == 0 {
					out = append(out, fmt.Sprintf("%s: ALB security group %s has no ingress rule from the CloudFront prefix list", lb.Where(), g))
				}
				for _, r := range rules {
					pl := r.raw("prefix_list_id") + r.raw("prefix_list_ids")
					fromPrefixList := false
					for _, d := range m.DataOf("aws_ec2_managed_prefix_list") {
						n, _ := literalString(d.Body, "name")
						if n == cloudFrontPrefixList && refersTo(pl, "data.aws_ec2_managed_prefix_list", d.Name) {
							fromPrefixList = true
						}
					}
					// Or, once the VPC origin exists, only the security group AWS created for it
					// (CloudFront-VPCOrigins-Service-SG), given to the module as this variable.
					sg := r.raw("referenced_security_group_id")
					fromVPCOriginSG := sg == "var."+vpcOriginSGVar
					other := (pl != "" && !fromPrefixList) || (sg != "" && !fromVPCOriginSG)
					for _, a := range append(cidrAttrs, "source_security_group_id", "security_groups", "self") {
						if r.raw(a) != "" {
							other = true
						}
					}
					ok := !other && fromPrefixList != fromVPCOriginSG
					if !ok {
						out = append(out, fmt.Sprintf("%s: ALB ingress must come only from the CloudFront origin-facing managed prefix list (%s) or the CloudFront VPC origin's security group (var.%s)", r.where, cloudFrontPrefixList, vpcOriginSGVar))
					}
				}
			}
		}
	}
	return out
}

// CheckSiteBucket: a bucket served by CloudFront is private: public access block all true, no
// ACL or website hosting, read through an Origin Access Control (not a legacy OAI), and its
// policy grants only the CloudFront service principal with a SourceArn condition.
func CheckSiteBucket(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		dists := m.ResourcesOf("aws_cloudfront_distribution")
		if len(dists) == 0 {
			continue
		}
		for _, b := range m.ResourcesOf("aws_s3_bucket") {
			pabOK := false
			for _, p := range m.ResourcesOf("aws_s3_bucket_public_access_block") {
				if !refersTo(p.Raw("bucket"), "aws_s3_bucket", b.Name) {
					continue
				}
				all := true
				for _, a := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
					if v, ok := literalBool(p.Body, a); !ok || !v {
						all = false
					}
				}
				pabOK = all
			}
			if !pabOK {
				out = append(out, fmt.Sprintf("%s: site bucket %s needs an aws_s3_bucket_public_access_block with all four settings true", b.Where(), b.Addr()))
			}
			for _, typ := range []string{"aws_s3_bucket_acl", "aws_s3_bucket_website_configuration"} {
				for _, r := range m.ResourcesOf(typ) {
					if refersTo(r.Raw("bucket"), "aws_s3_bucket", b.Name) {
						out = append(out, fmt.Sprintf("%s: site bucket %s must not have %s (private, served through OAC)", r.Where(), b.Addr(), typ))
					}
				}
			}
			for _, d := range dists {
				for _, o := range nested(d.Body, "origin") {
					if !refersTo(rawAttr(o, d.Src, "domain_name"), "aws_s3_bucket", b.Name) {
						continue
					}
					oac := rawAttr(o, d.Src, "origin_access_control_id")
					if len(nested(o, "s3_origin_config")) > 0 || !strings.Contains(oac, "aws_cloudfront_origin_access_control.") {
						out = append(out, fmt.Sprintf("%s: origin of site bucket %s must use an Origin Access Control (origin_access_control_id), not s3_origin_config/OAI", d.Where(), b.Addr()))
						continue
					}
					name := strings.Split(strings.TrimPrefix(oac, "aws_cloudfront_origin_access_control."), ".")[0]
					for _, c := range m.ResourcesOf("aws_cloudfront_origin_access_control") {
						if c.Name != name {
							continue
						}
						ty, _ := literalString(c.Body, "origin_access_control_origin_type")
						sb, _ := literalString(c.Body, "signing_behavior")
						if ty != "s3" || sb != "always" {
							out = append(out, fmt.Sprintf("%s: %s must be of type s3 with signing_behavior always", c.Where(), c.Addr()))
						}
					}
				}
			}
			// bucket policy
			policies := 0
			for _, p := range m.ResourcesOf("aws_s3_bucket_policy") {
				if !refersTo(p.Raw("bucket"), "aws_s3_bucket", b.Name) {
					continue
				}
				policies++
				doc := strings.TrimSuffix(strings.TrimPrefix(p.Raw("policy"), "data.aws_iam_policy_document."), ".json")
				d := m.Find("data.aws_iam_policy_document." + doc)
				if d == nil {
					out = append(out, fmt.Sprintf("%s: site bucket policy must come from an aws_iam_policy_document", p.Where()))
					continue
				}
				for _, st := range nested(d.Body, "statement") {
					if eff, _ := literalString(st, "effect"); eff == "Deny" {
						continue
					}
					for _, pr := range nested(st, "principals") {
						ty, _ := literalString(pr, "type")
						ids, _ := literalStrings(pr, "identifiers")
						if ty != "Service" || len(ids) != 1 || ids[0] != "cloudfront.amazonaws.com" {
							out = append(out, fmt.Sprintf("%s: site bucket policy may allow only the cloudfront.amazonaws.com service principal", d.Where()))
						}
					}
					cond := false
					for _, c := range nested(st, "condition") {
						if v, _ := literalString(c, "variable"); strings.EqualFold(v, "AWS:SourceArn") {
							cond = true
						}
					}
					if !cond {
						out = append(out, fmt.Sprintf("%s: site bucket policy must restrict CloudFront to the distribution (AWS:SourceArn condition)", d.Where()))
					}
				}
			}
			if policies == 0 {
				out = append(out, fmt.Sprintf("%s: site bucket %s has no bucket policy for the distribution", b.Where(), b.Addr()))
			}
		}
	}
	return out
}

// subnetUses: resource type -> how to get the subnets expression of it.
var subnetUses = map[string]func(*Block) string{
	"aws_ecs_service": func(b *Block) string {
		for _, n := range nested(b.Body, "network_configuration") {
			return rawAttr(n, b.Src, "subnets")
		}
		return ""
	},
	"aws_elasticache_subnet_group": func(b *Block) string { return b.Raw("subnet_ids") },
	"aws_db_subnet_group":          func(b *Block) string { return b.Raw("subnet_ids") },
}

// CheckPrivatePlacement: ECS tasks, cache and database sit in private subnets with no public IP.
// In a module the subnets must be a variable; every stack calling the module must pass private
// subnets for it.
func CheckPrivatePlacement(t *Tree) []string {
	var out []string
	subnetVars := map[*Module][]string{}
	for _, m := range t.allModules() {
		for _, s := range m.ResourcesOf("aws_ecs_service") {
			for _, n := range nested(s.Body, "network_configuration") {
				if v, ok := literalBool(n, "assign_public_ip"); !ok || v {
					out = append(out, fmt.Sprintf("%s: %s must set assign_public_ip = false", s.Where(), s.Addr()))
				}
			}
			if len(nested(s.Body, "network_configuration")) == 0 {
				out = append(out, fmt.Sprintf("%s: %s needs a network_configuration (awsvpc, private subnets)", s.Where(), s.Addr()))
			}
		}
		for _, i := range m.ResourcesOf("aws_rds_cluster_instance") {
			if v, ok := literalBool(i.Body, "publicly_accessible"); !ok || v {
				out = append(out, fmt.Sprintf("%s: %s must set publicly_accessible = false", i.Where(), i.Addr()))
			}
		}
		for _, i := range m.ResourcesOf("aws_instance") {
			if v, ok := literalBool(i.Body, "associate_public_ip_address"); !ok || v {
				out = append(out, fmt.Sprintf("%s: %s must set associate_public_ip_address = false", i.Where(), i.Addr()))
			}
		}
		for typ, get := range subnetUses {
			for _, r := range m.ResourcesOf(typ) {
				raw := get(r)
				switch {
				case strings.HasPrefix(raw, "var."):
					subnetVars[m] = append(subnetVars[m], strings.TrimPrefix(raw, "var."))
				case strings.Contains(raw, "private"):
				default:
					out = append(out, fmt.Sprintf("%s: %s subnets %q are not private subnets", r.Where(), r.Addr(), raw))
				}
			}
		}
	}
	for _, m := range t.allModules() {
		for _, name := range sortedKeys(m.Calls) {
			call := m.Calls[name]
			target, _ := t.calledModule(call)
			for _, v := range subnetVars[target] {
				raw := rawAttr(call.Body, call.Src, v)
				if !strings.Contains(raw, "private_subnet") {
					out = append(out, fmt.Sprintf("%s: module %q places tasks/cache/database in %s = %q, which are not private subnets", call.Where(), name, v, raw))
				}
			}
		}
	}
	return out
}

var dataTierSGVar = regexp.MustCompile(`(cache|database|db)_security_group`)

// CheckDataTierIngress: cache and database admit traffic only by security-group reference,
// never from a CIDR or a prefix list.
func CheckDataTierIngress(t *Tree) []string {
	var out []string
	check := func(r ingressRule) {
		bad := false
		for _, a := range append(cidrAttrs, "prefix_list_id", "prefix_list_ids") {
			if r.raw(a) != "" {
				bad = true
			}
		}
		if r.raw("referenced_security_group_id") == "" && r.raw("source_security_group_id") == "" && r.raw("security_groups") == "" {
			bad = true
		}
		if bad {
			out = append(out, fmt.Sprintf("%s: data-tier ingress must reference a security group, never a CIDR or prefix list", r.where))
		}
	}
	for _, m := range t.allModules() {
		groups := map[string]bool{}
		for _, c := range m.ResourcesOf("aws_elasticache_cluster") {
			for _, g := range refs(c.Raw("security_group_ids")) {
				groups[g] = true
			}
		}
		for _, c := range m.ResourcesOf("aws_rds_cluster") {
			for _, g := range refs(c.Raw("vpc_security_group_ids")) {
				groups[g] = true
			}
		}
		for _, g := range sortedKeys(groups) {
			for _, r := range ingressOf(m, g) {
				check(r)
			}
		}
		// rules added to the data tier's groups from elsewhere (the service stack)
		for _, r := range m.Resources {
			if r.Type != "aws_vpc_security_group_ingress_rule" && r.Type != "aws_security_group_rule" {
				continue
			}
			if dataTierSGVar.MatchString(r.Raw("security_group_id")) {
				check(ingressRule{where: r.Where() + " " + r.Addr(), body: r.Body, src: r.Src})
			}
		}
	}
	return out
}

// CheckNATPerAZ: NAT gateways are created one per public subnet (per AZ), never a fixed or
// conditional single one, and each private route uses its own zone's gateway.
func CheckNATPerAZ(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		nats := m.ResourcesOf("aws_nat_gateway")
		if len(nats) == 0 {
			continue
		}
		if len(nats) != 1 {
			out = append(out, fmt.Sprintf("%s: expected one aws_nat_gateway block with count per availability zone, found %d", m.Dir, len(nats)))
		}
		subnetCounts := map[string]bool{}
		for _, s := range m.ResourcesOf("aws_subnet") {
			subnetCounts[s.Raw("count")+s.Raw("for_each")] = true
		}
		for _, n := range nats {
			c := n.Raw("count") + n.Raw("for_each")
			if c == "" || strings.Contains(c, "?") || !subnetCounts[c] || regexp.MustCompile(`^[0-9]+$`).MatchString(c) {
				out = append(out, fmt.Sprintf("%s: NAT gateway count must follow the availability zones (one per public subnet), got %q", n.Where(), c))
			}
			if !strings.Contains(n.Raw("subnet_id"), "count.index") && !strings.Contains(n.Raw("subnet_id"), "each.") {
				out = append(out, fmt.Sprintf("%s: each NAT gateway must sit in its own zone's public subnet", n.Where()))
			}
		}
		for _, r := range m.Resources {
			var raws []string
			if r.Type == "aws_route" {
				raws = append(raws, r.Raw("nat_gateway_id"))
			}
			if r.Type == "aws_route_table" {
				for _, rt := range nested(r.Body, "route") {
					raws = append(raws, rawAttr(rt, r.Src, "nat_gateway_id"))
				}
			}
			for _, raw := range raws {
				if raw != "" && !strings.Contains(raw, "count.index") && !strings.Contains(raw, "each.") {
					out = append(out, fmt.Sprintf("%s: private route %s must use the NAT gateway of its own zone, got %q", r.Where(), r.Addr(), raw))
				}
			}
		}
	}
	return out
}

// CheckEncryption: storage is encrypted at rest: S3 buckets, Aurora, CloudTrail, log groups, SNS
// topics, ECR repositories and EC2 root volumes.
func CheckEncryption(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, b := range m.ResourcesOf("aws_s3_bucket") {
			ok := false
			for _, e := range m.ResourcesOf("aws_s3_bucket_server_side_encryption_configuration") {
				if refersTo(e.Raw("bucket"), "aws_s3_bucket", b.Name) {
					ok = true
				}
			}
			if !ok {
				out = append(out, fmt.Sprintf("%s: bucket %s has no server-side encryption configuration", b.Where(), b.Addr()))
			}
		}
		for _, c := range m.ResourcesOf("aws_rds_cluster") {
			if v, ok := literalBool(c.Body, "storage_encrypted"); !ok || !v {
				out = append(out, fmt.Sprintf("%s: %s must set storage_encrypted = true", c.Where(), c.Addr()))
			}
		}
		for _, c := range m.ResourcesOf("aws_cloudtrail") {
			if !c.Has("kms_key_id") {
				out = append(out, fmt.Sprintf("%s: %s must encrypt its logs with kms_key_id", c.Where(), c.Addr()))
			}
		}
		for _, c := range m.ResourcesOf("aws_cloudwatch_log_group") {
			if !c.Has("kms_key_id") || c.Raw("kms_key_id") == "null" {
				out = append(out, fmt.Sprintf("%s: log group %s must be encrypted with a KMS key (kms_key_id)", c.Where(), c.Addr()))
			}
		}
		for _, c := range m.ResourcesOf("aws_sns_topic") {
			if !c.Has("kms_master_key_id") {
				out = append(out, fmt.Sprintf("%s: topic %s must be encrypted (kms_master_key_id)", c.Where(), c.Addr()))
			}
		}
		for _, c := range m.ResourcesOf("aws_ecr_repository") {
			if len(nested(c.Body, "encryption_configuration")) == 0 {
				out = append(out, fmt.Sprintf("%s: repository %s needs an encryption_configuration", c.Where(), c.Addr()))
			}
		}
		for _, c := range m.ResourcesOf("aws_instance") {
			ok := false
			for _, rb := range nested(c.Body, "root_block_device") {
				if v, found := literalBool(rb, "encrypted"); found && v {
					ok = true
				}
			}
			if !ok {
				out = append(out, fmt.Sprintf("%s: %s root volume must be encrypted", c.Where(), c.Addr()))
			}
		}
	}
	return out
}

// ActionException is an allowed wildcard action in one policy document, with its reason.
type ActionException struct {
	Module, Document, Action, Reason string
}

// ActionAllowList lists the unavoidable wildcard actions, each with a reason.
var ActionAllowList = []ActionException{
	{"base", "key", "kms:*", "the AWS default key policy statement for the account root: without it the key can become unmanageable; IAM policies (none grant kms:*) then decide who uses the key"},
	{"base", "key", "kms:GenerateDataKey*", "CloudTrail/CloudWatch Logs/CloudWatch service principals need the GenerateDataKey family; scoped by SourceArn/encryption context"},
	{"base", "key", "kms:ReEncrypt*", "CloudWatch Logs re-encrypts on key rotation (ReEncryptFrom/To); scoped by encryption context"},
}

var readOnlyWildcard = regexp.MustCompile(`^[a-z0-9-]+:(Describe|Get|List)[A-Za-z]*\*$`)

// CheckIAMActions: no Allow statement of any policy document grants "*" or "service:*", or any
// write wildcard, unless allow-listed; NotAction is forbidden; inline policies come from
// aws_iam_policy_document (so they can be checked); web-identity trust pins aud and sub.
func CheckIAMActions(t *Tree) []string {
	var out []string
	for _, m := range t.allModules() {
		for _, typ := range []string{"aws_iam_role_policy", "aws_iam_group_policy", "aws_iam_user_policy", "aws_iam_policy"} {
			for _, r := range m.ResourcesOf(typ) {
				if !strings.HasPrefix(r.Raw("policy"), "data.aws_iam_policy_document.") {
					out = append(out, fmt.Sprintf("%s: %s policy must come from an aws_iam_policy_document", r.Where(), r.Addr()))
				}
			}
		}
		for _, r := range m.ResourcesOf("aws_iam_role") {
			if raw := r.Raw("assume_role_policy"); !strings.HasPrefix(raw, "data.aws_iam_policy_document.") {
				out = append(out, fmt.Sprintf("%s: %s trust policy must come from an aws_iam_policy_document", r.Where(), r.Addr()))
			}
		}
		for _, d := range m.DataOf("aws_iam_policy_document") {
			for _, st := range nested(d.Body, "statement") {
				if len(nested(st, "not_actions")) > 0 || rawAttr(st, d.Src, "not_actions") != "" {
					out = append(out, fmt.Sprintf("%s: %s uses not_actions", d.Where(), d.Addr()))
				}
				if eff, _ := literalString(st, "effect"); eff == "Deny" {
					continue
				}
				actions, ok := literalStrings(st, "actions")
				if !ok {
					out = append(out, fmt.Sprintf("%s: %s actions must be a literal list (so they can be checked)", d.Where(), d.Addr()))
					continue
				}
				web := false
				for _, a := range actions {
					if a == "sts:AssumeRoleWithWebIdentity" {
						web = true
					}
					if !strings.Contains(a, "*") || readOnlyWildcard.MatchString(a) && !strings.HasSuffix(a, ":*") {
						continue
					}
					allowed := false
					for _, e := range ActionAllowList {
						if e.Module == m.Name && e.Document == d.Name && e.Action == a {
							allowed = true
						}
					}
					if !allowed {
						out = append(out, fmt.Sprintf("%s: %s allows wildcard action %q (not in the allow-list)", d.Where(), d.Addr(), a))
					}
				}
				if web {
					aud, sub := false, false
					for _, c := range nested(st, "condition") {
						v := rawAttr(c, d.Src, "variable")
						aud = aud || strings.Contains(v, ":aud")
						sub = sub || strings.Contains(v, ":sub")
					}
					if !aud || !sub {
						out = append(out, fmt.Sprintf("%s: %s web-identity trust must pin both :aud and :sub", d.Where(), d.Addr()))
					}
				}
			}
		}
	}
	return out
}
