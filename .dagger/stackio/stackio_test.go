package stackio

import (
	"reflect"
	"strings"
	"testing"
)

const networkOut = `{
  "vpc_id": {"sensitive": false, "type": "string", "value": "vpc-1"},
  "public_subnet_ids": {"sensitive": false, "type": ["list","string"], "value": ["s-a","s-b"]},
  "private_subnet_ids": {"sensitive": false, "type": ["list","string"], "value": ["p-a","p-b"]},
  "bastion_security_group_id": {"sensitive": false, "type": "string", "value": "sg-1"},
  "extra": {"sensitive": false, "type": "string", "value": "ignored"}
}`

func TestDecode(t *testing.T) {
	var n NetworkOutputs
	if err := Decode(Network, []byte(networkOut), &n); err != nil {
		t.Fatal(err)
	}
	want := NetworkOutputs{VpcID: "vpc-1", PublicSubnetIDs: []string{"s-a", "s-b"}, PrivateSubnetIDs: []string{"p-a", "p-b"}, BastionSecurityGroupID: "sg-1"}
	if !reflect.DeepEqual(n, want) {
		t.Fatalf("got %+v", n)
	}
}

func TestDecodeNamesMissingOutputs(t *testing.T) {
	var e EdgeOutputs
	err := Decode(Edge, []byte(`{"site_url":{"value":"https://x"}}`), &e)
	if err == nil || !strings.Contains(err.Error(), "stack edge: missing outputs alb_arn, alb_listener_arn") {
		t.Fatalf("got %v", err)
	}
}

func TestDecodeNamesWrongType(t *testing.T) {
	var n NetworkOutputs
	bad := strings.Replace(networkOut, `["s-a","s-b"]`, `"s-a"`, 1)
	err := Decode(Network, []byte(bad), &n)
	if err == nil || !strings.Contains(err.Error(), "output public_subnet_ids") {
		t.Fatalf("got %v", err)
	}
}

func TestInputsMerge(t *testing.T) {
	vars, err := Inputs(Common{Region: "eu-west-1", Environment: "prod"}, NetworkOutputs{VpcID: "vpc-1"}, map[string]any{"image": "r/x@sha256:1"})
	if err != nil {
		t.Fatal(err)
	}
	if vars["region"] != "eu-west-1" || vars["vpc_id"] != "vpc-1" || vars["image"] != "r/x@sha256:1" {
		t.Fatalf("vars = %v", vars)
	}
}
