// Package stackio types what flows between the Terraform stacks of a
// deploy: each stack's outputs as a Go struct, decoded from
// `terraform output -json`, and the typed inputs the next stack receives.
// The json tags are the Terraform output and variable names.
package stackio

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Stack names, in pipeline order.
const (
	Base    = "base"
	Network = "network"
	Edge    = "edge"
	Data    = "data"
	Service = "service"
)

// Order is the order in which a deploy applies the stacks. Edge and data
// both depend only on network and are applied concurrently.
var Order = []string{Base, Network, Edge, Data, Service}

// Common are the variables every stack takes.
type Common struct {
	Region      string `json:"region"`
	Environment string `json:"environment"`
}

// BaseOutputs: audit trail, alarms and IAM.
type BaseOutputs struct {
	DeployerRoleArn string `json:"deployer_role_arn"`
	StaffRoleArn    string `json:"staff_role_arn"`
	AlarmTopicArn   string `json:"alarm_topic_arn"`
}

// NetworkOutputs: the VPC the shop runs in.
type NetworkOutputs struct {
	VpcID                  string   `json:"vpc_id"`
	PublicSubnetIDs        []string `json:"public_subnet_ids"`
	PrivateSubnetIDs       []string `json:"private_subnet_ids"`
	BastionSecurityGroupID string   `json:"bastion_security_group_id"`
}

// EdgeOutputs: the site bucket, CloudFront and the ALB behind it.
type EdgeOutputs struct {
	SiteBucketName     string `json:"site_bucket_name"`
	DistributionID     string `json:"distribution_id"`
	SiteURL            string `json:"site_url"`
	AlbArn             string `json:"alb_arn"`
	AlbListenerArn     string `json:"alb_listener_arn"`
	AlbSecurityGroupID string `json:"alb_security_group_id"`
	AlbTargetGroupArn  string `json:"alb_target_group_arn"`
}

// DataOutputs: image registry, cache and database.
type DataOutputs struct {
	RepositoryURL           string `json:"repository_url"`
	CacheEndpoint           string `json:"cache_endpoint"`
	DatabaseEndpoint        string `json:"database_endpoint"`
	DatabaseReaderEndpoint  string `json:"database_reader_endpoint"`
	DatabaseSecretArn       string `json:"database_secret_arn"`
	CacheSecurityGroupID    string `json:"cache_security_group_id"`
	DatabaseSecurityGroupID string `json:"database_security_group_id"`
}

// ServiceOutputs: the ECS service.
type ServiceOutputs struct {
	ClusterName  string `json:"cluster_name"`
	ServiceName  string `json:"service_name"`
	APIHealthURL string `json:"api_health_url"`
}

// output is one entry of `terraform output -json`.
type output struct {
	Value     json.RawMessage `json:"value"`
	Sensitive bool            `json:"sensitive"`
}

// Decode fills v (a pointer to one of the *Outputs structs) from
// `terraform output -json`. Every field must be present: a stack that stops
// producing an output the next stage needs fails here, by name.
func Decode(stack string, outputJSON []byte, v any) error {
	var outs map[string]output
	if err := json.Unmarshal(outputJSON, &outs); err != nil {
		return fmt.Errorf("stack %s: reading `terraform output -json`: %w", stack, err)
	}
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	var missing []string
	for i := 0; i < rt.NumField(); i++ {
		name := rt.Field(i).Tag.Get("json")
		o, ok := outs[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		if err := json.Unmarshal(o.Value, rv.Field(i).Addr().Interface()); err != nil {
			return fmt.Errorf("stack %s: output %s: want %s: %w", stack, name, rt.Field(i).Type, err)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("stack %s: missing outputs %s", stack, strings.Join(missing, ", "))
	}
	return nil
}

// Inputs merges values into one Terraform variables object (a
// .tfvars.json). Later values win; each part is a struct with json tags or
// a map.
func Inputs(parts ...any) (map[string]any, error) {
	vars := map[string]any{}
	for _, p := range parts {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		for k, val := range m {
			vars[k] = val
		}
	}
	return vars, nil
}

// Names lists the json names of a struct's fields.
func Names(v any) []string {
	rt := reflect.TypeOf(v)
	if rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	var names []string
	for i := 0; i < rt.NumField(); i++ {
		names = append(names, rt.Field(i).Tag.Get("json"))
	}
	return names
}

// The inputs of each stack: its upstream stacks' outputs, passed
// explicitly by name. A Terraform variable of the stack must exist for each
// (stackio's tests check that against terraform/stacks and the rehearsal
// fixtures).

// BaseInputs are base's variables.
func BaseInputs(c Common) map[string]any { return mustInputs(c) }

// NetworkInputs are network's variables.
func NetworkInputs(c Common, _ BaseOutputs) map[string]any { return mustInputs(c) }

// EdgeInputs are edge's variables: the ALB goes in the public subnets.
func EdgeInputs(c Common, n NetworkOutputs) map[string]any {
	return mustInputs(c, map[string]any{"vpc_id": n.VpcID, "public_subnet_ids": n.PublicSubnetIDs})
}

// DataInputs are data's variables: cache and database in private subnets,
// reachable from the bastion.
func DataInputs(c Common, n NetworkOutputs) map[string]any {
	return mustInputs(c, map[string]any{
		"vpc_id": n.VpcID, "private_subnet_ids": n.PrivateSubnetIDs,
		"bastion_security_group_id": n.BastionSecurityGroupID,
	})
}

// ServiceInputs are service's variables: where to run, behind which load
// balancer, which image, and the data tier's endpoints.
func ServiceInputs(c Common, n NetworkOutputs, e EdgeOutputs, d DataOutputs, image string) map[string]any {
	return mustInputs(c, map[string]any{
		"vpc_id":                     n.VpcID,
		"private_subnet_ids":         n.PrivateSubnetIDs,
		"alb_security_group_id":      e.AlbSecurityGroupID,
		"alb_target_group_arn":       e.AlbTargetGroupArn,
		"image":                      image,
		"cache_endpoint":             d.CacheEndpoint,
		"database_endpoint":          d.DatabaseEndpoint,
		"database_reader_endpoint":   d.DatabaseReaderEndpoint,
		"database_secret_arn":        d.DatabaseSecretArn,
		"cache_security_group_id":    d.CacheSecurityGroupID,
		"database_security_group_id": d.DatabaseSecurityGroupID,
	})
}

func mustInputs(parts ...any) map[string]any {
	m, err := Inputs(parts...)
	if err != nil {
		panic(err) // only plain structs and maps are passed
	}
	return m
}
