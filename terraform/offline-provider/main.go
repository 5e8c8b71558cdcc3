// Command terraform-provider-aws (offline) is a stand-in for the hashicorp/aws Terraform provider,
// for machines and CI runs where the real provider binary cannot be downloaded. It serves the real
// provider's published schema (`terraform providers schema -json` of hashicorp/aws 5.82.0 or
// 6.47.0, embedded) over the plugin protocol 6 and behaves like a dry run of AWS: Terraform
// validates configurations against that schema, plans show configured values and leave computed
// ones unknown, apply fills computed attributes with deterministic values shaped like AWS's, data
// sources return plausible values, aws_iam_policy_document is rendered for real. Nothing reaches
// AWS. See docs/rehearsal.md for what it cannot tell.
//
// The same binary also stands in for hashicorp/random (random_password, random_string, random_id),
// which cannot be downloaded either: installed as terraform-provider-random_v<version>, it serves a
// schema written from that provider's documentation.
//
// The binary picks what to be from its file name, as installed in a provider_installation
// filesystem mirror (terraform/offline-provider/install.sh):
//
//	registry.terraform.io/hashicorp/aws/6.47.0/linux_amd64/terraform-provider-aws_v6.47.0
//
// EVENTMALL_OFFLINE_AWS_SCHEMA (a version such as 5.82.0) overrides the schema version;
// EVENTMALL_OFFLINE_AWS_VALUES names a JSON file of values that must match an emulator
// (account id, ids of resources the rehearsal creates in moto), see values.go.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

func main() {
	kind, version := identify(filepath.Base(os.Args[0]), os.Getenv("EVENTMALL_OFFLINE_AWS_SCHEMA"))
	var (
		p   *provider
		err error
	)
	switch kind {
	case "random":
		p, err = newRandomProvider(version)
	default:
		p, err = newAWSProvider(version, os.Getenv("EVENTMALL_OFFLINE_AWS_VALUES"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "offline provider:", err)
		os.Exit(1)
	}
	if len(os.Args) > 1 && os.Args[1] == "-describe" {
		fmt.Println(p.describe())
		return
	}
	if err := tf6server.Serve("registry.terraform.io/hashicorp/"+kind, func() tfprotov6.ProviderServer { return p }); err != nil {
		fmt.Fprintln(os.Stderr, "offline provider:", err)
		os.Exit(1)
	}
}
