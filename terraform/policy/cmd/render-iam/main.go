// Command render-iam writes the IAM policy documents of every module as JSON, rendered in Go
// the way the AWS provider would (terraform/policy/iamrender.go), for an IAM analyzer:
//
//	go run ./terraform/policy/cmd/render-iam -out DIR
//
// DIR/roles/<role>.json is everything attached to each role of the base module (deployer, plan,
// staff, trail) in one document; DIR/documents/<name>.json is every aws_iam_policy_document,
// trust and resource policies included. Another module's roles and documents are named
// <module>_<name> (service_task, network_flow_logs, edge_site, …), rendered in
// policy.WorkloadEnv. A role's AWS-managed policy (the bastion's SSM core, RDS enhanced
// monitoring) is not in the repository and is not rendered.
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
	n, err := writeModule(out, "", base, r)
	if err != nil {
		return err
	}
	// Every other module's documents and roles (the workload roles, capped by the boundary; the
	// site bucket's policy), file names prefixed with the module's name.
	for _, name := range sortedModules(tree) {
		m := tree.Modules[name]
		if name == "base" {
			continue
		}
		r := policy.Render(m, policy.WorkloadEnv(name))
		if len(r.Errors) > 0 {
			for doc, e := range r.Errors {
				fmt.Fprintf(os.Stderr, "render-iam: modules/%s: %s: %v\n", name, doc, e)
			}
			return fmt.Errorf("modules/%s: %d documents could not be rendered", name, len(r.Errors))
		}
		k, err := writeModule(out, name+"_", m, r)
		if err != nil {
			return err
		}
		n += k
	}
	fmt.Printf("documents/: %d documents\n", n)
	return nil
}

func sortedModules(t *policy.Tree) []string {
	var names []string
	for n := range t.Modules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// writeModule writes a module's rendered documents and each role's combined policy, the file
// names prefixed with prefix; it returns how many documents it wrote.
func writeModule(out, prefix string, m *policy.Module, r *policy.Rendered) (int, error) {
	var names []string
	for n := range r.Documents {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := write(filepath.Join(out, "documents", prefix+n+".json"), r.Documents[n]); err != nil {
			return 0, err
		}
	}
	for _, role := range m.ResourcesOf("aws_iam_role") {
		docs, used, err := r.RolePolicies(role.Name)
		if err != nil {
			return 0, err
		}
		combined := &policy.PolicyDocument{Version: "2012-10-17"}
		for _, d := range docs {
			combined.Statement = append(combined.Statement, d.Statement...)
		}
		if len(combined.Statement) == 0 {
			continue
		}
		if err := write(filepath.Join(out, "roles", prefix+role.Name+".json"), combined); err != nil {
			return 0, err
		}
		fmt.Printf("roles/%s%s.json: %d statements from %v\n", prefix, role.Name, len(combined.Statement), used)
	}
	return len(names), nil
}
