// Command render-iam writes the IAM policy documents of the base module as JSON, rendered in
// Go the way the AWS provider would (terraform/policy/iamrender.go), for an IAM analyzer:
//
//	go run ./terraform/policy/cmd/render-iam -out DIR
//
// DIR/roles/<role>.json is everything attached to each role of the base module (deployer, plan,
// staff, trail) in one document; DIR/documents/<name>.json is every aws_iam_policy_document,
// trust and resource policies included.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/eventmall/eventmall/terraform/policy"
)

func main() {
	root := flag.String("terraform", "terraform", "the terraform/ directory")
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "render-iam: -out DIR is required")
		os.Exit(2)
	}
	if err := run(*root, *out); err != nil {
		fmt.Fprintln(os.Stderr, "render-iam:", err)
		os.Exit(1)
	}
}

func write(path string, d *policy.PolicyDocument) error {
	js, err := d.JSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(js, '\n'), 0o644)
}

func run(root, out string) error {
	tree, err := policy.LoadTree(root)
	if err != nil {
		return err
	}
	base := tree.Modules["base"]
	if base == nil {
		return fmt.Errorf("no modules/base under %s", root)
	}
	r := policy.Render(base, policy.BaseEnv)
	if len(r.Errors) > 0 {
		for name, e := range r.Errors {
			fmt.Fprintf(os.Stderr, "render-iam: %s: %v\n", name, e)
		}
		return fmt.Errorf("%d documents could not be rendered", len(r.Errors))
	}
	var names []string
	for n := range r.Documents {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := write(filepath.Join(out, "documents", n+".json"), r.Documents[n]); err != nil {
			return err
		}
	}
	for _, role := range base.ResourcesOf("aws_iam_role") {
		docs, used, err := r.RolePolicies(role.Name)
		if err != nil {
			return err
		}
		combined := &policy.PolicyDocument{Version: "2012-10-17"}
		for _, d := range docs {
			combined.Statement = append(combined.Statement, d.Statement...)
		}
		if len(combined.Statement) == 0 {
			continue
		}
		if err := write(filepath.Join(out, "roles", role.Name+".json"), combined); err != nil {
			return err
		}
		fmt.Printf("roles/%s.json: %d statements from %v\n", role.Name, len(combined.Statement), used)
	}
	fmt.Printf("documents/: %d documents\n", len(names))
	return nil
}
