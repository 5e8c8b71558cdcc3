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

// BaseOutputs: audit trail, alarms, IAM, the logs' KMS key.
type BaseOutputs struct {
	DeployerRoleArn        string `json:"deployer_role_arn"`
	PlanRoleArn            string `json:"plan_role_arn"`
	PermissionsBoundaryArn string `json:"permissions_boundary_arn"`
	StaffRoleArn           string `json:"staff_role_arn"`
	StaffGroupName         string `json:"staff_group_name"`
	AlarmTopicArn          string `json:"alarm_topic_arn"`
	LogsKmsKeyArn          string `json:"logs_kms_key_arn"`
	TrailBucketName        string `json:"trail_bucket_name"`
}

// NetworkOutputs: the VPC the shop runs in.
type NetworkOutputs struct {
	VpcID                  string   `json:"vpc_id"`
	VpcCidrBlock           string   `json:"vpc_cidr_block"`
	AvailabilityZones      []string `json:"availability_zones"`
	PublicSubnetIDs        []string `json:"public_subnet_ids"`
	PrivateSubnetIDs       []string `json:"private_subnet_ids"`
	BastionSecurityGroupID string   `json:"bastion_security_group_id"`
	BastionInstanceID      string   `json:"bastion_instance_id"`
	NatPublicIPs           []string `json:"nat_public_ips"`
}

// EdgeOutputs: the site bucket, CloudFront and the ALB behind it.
type EdgeOutputs struct {
	SiteBucketName         string `json:"site_bucket_name"`
	DistributionID         string `json:"distribution_id"`
	DistributionDomainName string `json:"distribution_domain_name"`
	SiteURL                string `json:"site_url"`
	AlbArn                 string `json:"alb_arn"`
	AlbDNSName             string `json:"alb_dns_name"`
	AlbListenerArn         string `json:"alb_listener_arn"`
	AlbSecurityGroupID     string `json:"alb_security_group_id"`
	AlbTargetGroupArn      string `json:"alb_target_group_arn"`
}

// DataOutputs: image registry, cache and database.
type DataOutputs struct {
	RepositoryURL           string `json:"repository_url"`
	CacheEndpoint           string `json:"cache_endpoint"`
	CacheServers            string `json:"cache_servers"`
	DatabaseEndpoint        string `json:"database_endpoint"`
	DatabaseReaderEndpoint  string `json:"database_reader_endpoint"`
	DatabasePort            int    `json:"database_port"`
	DatabaseName            string `json:"database_name"`
	DatabaseSecretArn       string `json:"database_secret_arn"`
	CacheSecurityGroupID    string `json:"cache_security_group_id"`
	DatabaseSecurityGroupID string `json:"database_security_group_id"`
}

// ServiceOutputs: the ECS service.
type ServiceOutputs struct {
	ClusterName            string `json:"cluster_name"`
	ServiceName            string `json:"service_name"`
	APIHealthURL           string `json:"api_health_url"`
	ServiceSecurityGroupID string `json:"service_security_group_id"`
	LogGroupName           string `json:"log_group_name"`
	TaskDefinitionArn      string `json:"task_definition_arn"`
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
// explicitly by name. (Region, environment and the state location are added
// by the stack itself.) A Terraform variable of the stack must exist for
// each (the tests check that against terraform/stacks and the rehearsal
// fixtures).

// BaseInputs are base's variables from upstream: none, base is first.
func BaseInputs() map[string]any { return map[string]any{} }

// NetworkInputs are network's variables: flow logs encrypted with base's key.
func NetworkInputs(b BaseOutputs) map[string]any {
	return map[string]any{"logs_kms_key_arn": b.LogsKmsKeyArn, "permissions_boundary_arn": b.PermissionsBoundaryArn}
}

// EdgeInputs are edge's variables: the ALB goes in the public subnets.
func EdgeInputs(n NetworkOutputs) map[string]any {
	return map[string]any{
		"vpc_id": n.VpcID, "vpc_cidr_block": n.VpcCidrBlock, "public_subnet_ids": n.PublicSubnetIDs,
	}
}

// DataInputs are data's variables: cache and database in private subnets,
// across the zones, reachable from the bastion, logs under base's key.
func DataInputs(b BaseOutputs, n NetworkOutputs) map[string]any {
	return map[string]any{
		"logs_kms_key_arn":          b.LogsKmsKeyArn,
		"permissions_boundary_arn":  b.PermissionsBoundaryArn,
		"vpc_id":                    n.VpcID,
		"private_subnet_ids":        n.PrivateSubnetIDs,
		"availability_zones":        n.AvailabilityZones,
		"bastion_security_group_id": n.BastionSecurityGroupID,
	}
}

// ServiceInputs are service's variables: where to run, behind which load
// balancer, which image, the data tier's endpoints, where to alarm.
func ServiceInputs(b BaseOutputs, n NetworkOutputs, e EdgeOutputs, d DataOutputs, image string) map[string]any {
	return map[string]any{
		"image":                      image,
		"vpc_id":                     n.VpcID,
		"private_subnet_ids":         n.PrivateSubnetIDs,
		"alb_arn":                    e.AlbArn,
		"alb_target_group_arn":       e.AlbTargetGroupArn,
		"alb_security_group_id":      e.AlbSecurityGroupID,
		"site_url":                   e.SiteURL,
		"repository_url":             d.RepositoryURL,
		"cache_endpoint":             d.CacheEndpoint,
		"cache_servers":              d.CacheServers,
		"database_endpoint":          d.DatabaseEndpoint,
		"database_reader_endpoint":   d.DatabaseReaderEndpoint,
		"database_port":              d.DatabasePort,
		"database_name":              d.DatabaseName,
		"database_secret_arn":        d.DatabaseSecretArn,
		"cache_security_group_id":    d.CacheSecurityGroupID,
		"database_security_group_id": d.DatabaseSecurityGroupID,
		"alarm_topic_arn":            b.AlarmTopicArn,
		"logs_kms_key_arn":           b.LogsKmsKeyArn,
		"permissions_boundary_arn":   b.PermissionsBoundaryArn,
	}
}
