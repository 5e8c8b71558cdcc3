package main

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// dataReader gives a data source's values (by attribute) from its configuration; attributes it
// leaves out are generated like a resource's computed attributes.
type dataReader func(e env, cfg cty.Value) (map[string]cty.Value, error)

func strList(vals ...string) cty.Value {
	if len(vals) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	var out []cty.Value
	for _, v := range vals {
		out = append(out, cty.StringVal(v))
	}
	return cty.ListVal(out)
}

func strSet(vals ...string) cty.Value {
	if len(vals) == 0 {
		return cty.SetValEmpty(cty.String)
	}
	var out []cty.Value
	for _, v := range vals {
		out = append(out, cty.StringVal(v))
	}
	return cty.SetVal(out)
}

func cfgStr(cfg cty.Value, name string) string {
	if !cfg.Type().HasAttribute(name) {
		return ""
	}
	v := cfg.GetAttr(name)
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// Managed CloudFront policies: their ids are the same in every account (AWS documentation).
var cloudfrontManaged = map[string]map[string]string{
	"aws_cloudfront_cache_policy": {
		"Managed-CachingOptimized":                       "658327ea-f89d-4fab-a63d-7e88639e58f6",
		"Managed-CachingDisabled":                        "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
		"Managed-CachingOptimizedForUncompressedObjects": "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",
		"Managed-Elemental-MediaPackage":                 "08627262-05a9-4f76-9ded-b50ca2e3a84f",
		"Managed-Amplify":                                "2e54312d-136d-493c-8eb9-b001f22f67d2",
	},
	"aws_cloudfront_origin_request_policy": {
		"Managed-AllViewer":                                   "216adef6-5c7f-47e4-b989-5492eafa07d3",
		"Managed-AllViewerExceptHostHeader":                   "b689b0a8-53d0-40ab-baf2-68738e2966ac",
		"Managed-AllViewerAndCloudFrontHeaders-2022-06":       "33f36d7e-f396-46d9-90e0-52428a34d9dc",
		"Managed-CORS-S3Origin":                               "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf",
		"Managed-CORS-CustomOrigin":                           "59781a5b-3903-41f3-afcb-af62929ccde1",
		"Managed-UserAgentRefererHeaders":                     "acba4595-bd28-49b8-b9fe-13317c0390fa",
		"Managed-Elemental-MediaTailor-PersonalizedManifests": "775133bc-15f2-49f9-abea-afb2e0bf67d2",
	},
}

func cloudfrontPolicy(typ string) dataReader {
	return func(e env, cfg cty.Value) (map[string]cty.Value, error) {
		name, id := cfgStr(cfg, "name"), cfgStr(cfg, "id")
		known := cloudfrontManaged[typ]
		if id == "" {
			if name == "" {
				return nil, fmt.Errorf("%s: one of name or id is required", typ)
			}
			var ok bool
			if id, ok = known[name]; !ok {
				r := newResource(typ, cfg, e)
				id = r.uuid("id")
			}
		}
		if name == "" {
			for n, i := range known {
				if i == id {
					name = n
				}
			}
		}
		return map[string]cty.Value{"id": cty.StringVal(id), "name": cty.StringVal(name),
			"arn": cty.StringVal("arn:" + e.Partition + ":cloudfront::" + e.AccountID + ":" + strings.TrimPrefix(typ, "aws_cloudfront_") + "/" + id)}, nil
	}
}

var dataReaders = map[string]dataReader{
	"aws_caller_identity": func(e env, cfg cty.Value) (map[string]cty.Value, error) {
		return map[string]cty.Value{
			"id": cty.StringVal(e.AccountID), "account_id": cty.StringVal(e.AccountID),
			"arn":     cty.StringVal("arn:" + e.Partition + ":iam::" + e.AccountID + ":user/offline-rehearsal"),
			"user_id": cty.StringVal("AIDAOFFLINEREHEARSAL01"),
		}, nil
	},
	"aws_partition": func(e env, cfg cty.Value) (map[string]cty.Value, error) {
		_, suffix := partitionOf(e.Region)
		rev := "com.amazonaws"
		if e.Partition == "aws-cn" {
			rev = "cn.com.amazonaws"
		}
		return map[string]cty.Value{"id": cty.StringVal(e.Partition), "partition": cty.StringVal(e.Partition),
			"dns_suffix": cty.StringVal(suffix), "reverse_dns_prefix": cty.StringVal(rev)}, nil
	},
	"aws_region": func(e env, cfg cty.Value) (map[string]cty.Value, error) {
		region := cfgStr(cfg, "name")
		if region == "" {
			region = cfgStr(cfg, "region")
		}
		if region == "" {
			region = e.Region
		}
		_, suffix := partitionOf(region)
		return map[string]cty.Value{"id": cty.StringVal(region), "name": cty.StringVal(region), "region": cty.StringVal(region),
			"endpoint": cty.StringVal("ec2." + region + "." + suffix), "description": cty.StringVal(region)}, nil
	},
	"aws_availability_zones": func(e env, cfg cty.Value) (map[string]cty.Value, error) {
		exclude := map[string]bool{}
		for _, n := range strs(cfg.GetAttr("exclude_names")) {
			exclude[n] = true
		}
		var names, ids []string
		for i, z := range []string{"a", "b", "c", "d"} {
			if exclude[e.Region+z] {
				continue
			}
			names = append(names, e.Region+z)
			ids = append(ids, fmt.Sprintf("%s-az%d", short(e.Region), i+1))
		}
		return map[string]cty.Value{"id": cty.StringVal(e.Region), "names": strList(names...), "zone_ids": strList(ids...),
			"group_names": strSet(e.Region)}, nil
	},
	"aws_ec2_managed_prefix_list": func(e env, cfg cty.Value) (map[string]cty.Value, error) {
		name := cfgStr(cfg, "name")
		if f := cfg.GetAttr("filter"); name == "" && !f.IsNull() {
			for _, el := range f.AsValueSlice() {
				if el.GetAttr("name").AsString() == "prefix-list-name" {
					if vs := strs(el.GetAttr("values")); len(vs) > 0 {
						name = vs[0]
					}
				}
			}
		}
		r := newResource("aws_ec2_managed_prefix_list", cfg, e)
		id := cfgStr(cfg, "id")
		if id == "" {
			id = "pl-" + r.hex("id", 8)
		}
		entry := cty.ObjectVal(map[string]cty.Value{"cidr": cty.StringVal("120.52.22.96/27"), "description": cty.NullVal(cty.String)})
		return map[string]cty.Value{"id": cty.StringVal(id), "name": cty.StringVal(name), "owner_id": cty.StringVal("AWS"),
			"arn": cty.StringVal("arn:" + e.Partition + ":ec2:" + e.Region + ":aws:prefix-list/" + id), "address_family": cty.StringVal("IPv4"),
			"max_entries": cty.NumberIntVal(55), "version": cty.NumberIntVal(1), "entries": cty.SetVal([]cty.Value{entry}),
			"tags": cty.MapValEmpty(cty.String)}, nil
	},
	// aws_subnets: two subnet ids, a function of the filters and tags (the emulator knows no other
	// stack's subnets); the edge stack looks up the VPC's private subnets for its internal ALB.
	"aws_subnets": func(e env, cfg cty.Value) (map[string]cty.Value, error) {
		r := newResource("aws_subnets", cfg, e)
		return map[string]cty.Value{"id": cty.StringVal(e.Region),
			"ids": strList("subnet-"+r.hex("subnet/0", 17), "subnet-"+r.hex("subnet/1", 17))}, nil
	},
	"aws_ssm_parameter": func(e env, cfg cty.Value) (map[string]cty.Value, error) {
		name := cfgStr(cfg, "name")
		r := newResource("aws_ssm_parameter", cfg, e)
		value := "offline-" + r.hex("value", 16)
		if strings.Contains(name, "/ami") || strings.Contains(name, "image") {
			value = "ami-" + r.hex("ami", 17) // public AMI aliases (/aws/service/ami-amazon-linux-latest/...)
		}
		arnName := name
		if !strings.HasPrefix(arnName, "/") {
			arnName = "/" + arnName
		}
		return map[string]cty.Value{"id": cty.StringVal(name), "value": cty.StringVal(value), "insecure_value": cty.StringVal(value),
			"type": cty.StringVal("String"), "version": cty.NumberIntVal(1),
			"arn": cty.StringVal("arn:" + e.Partition + ":ssm:" + e.Region + ":" + e.AccountID + ":parameter" + arnName)}, nil
	},
	"aws_iam_policy_document": func(e env, cfg cty.Value) (map[string]cty.Value, error) {
		pretty, minified, id, err := renderPolicyDocument(cfg)
		if err != nil {
			return nil, err
		}
		return map[string]cty.Value{"json": cty.StringVal(pretty), "minified_json": cty.StringVal(minified), "id": cty.StringVal(id)}, nil
	},
	"aws_cloudfront_cache_policy":          cloudfrontPolicy("aws_cloudfront_cache_policy"),
	"aws_cloudfront_origin_request_policy": cloudfrontPolicy("aws_cloudfront_origin_request_policy"),
}
