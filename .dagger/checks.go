package main

import (
	"context"
	"fmt"

	"dagger/eventmall/internal/dagger"
)

// goBase is Go with module and build caches, holding the repository's root
// Go module (Terraform policy tests, CI parity test, air-gapped tool).
func (m *Eventmall) goBase() *dagger.Container {
	return goToolchain().
		WithWorkdir("/src").
		WithDirectory("/src", m.Source, dagger.ContainerWithDirectoryOpts{
			// The CI parity test reads every vendor's entry and the docs.
			Include: []string{"go.mod", "go.sum", "dagger.json", "terraform/**", "ci/**", "docs/**",
				".dagger/images.json", ".dagger/deploy.go",
				// Linked from docs/pipeline.md (the docs links test).
				".dagger/tfengine/engine.json",
				// Read by the policy tests: the stack graph and the rush sizing check's capacity record.
				".dagger/stackio/graph.json", "backend/bench/capacity.json",
				"Jenkinsfile", ".github/**", ".gitlab-ci.yml", ".circleci/**"},
		})
}

// ModuleTests runs the Go unit tests of the module's own packages (S3 sync
// plan, plan summary, Slack messages, ECR auth, stage runner, stack
// inputs and outputs) and go vet over them.
// +check
func (m *Eventmall) ModuleTests(ctx context.Context) error {
	// The whole repository: some packages test against the Terraform stacks
	// and the environments' settings they must agree with.
	c := goToolchain().
		WithDirectory("/src", m.Source, dagger.ContainerWithDirectoryOpts{
			Exclude: []string{".dagger/internal", ".dagger/dagger.gen.go", "**/node_modules"},
		}).
		WithWorkdir("/src/.dagger").
		// Every package but the module itself, whose generated code is not
		// part of the source.
		WithExec([]string{"sh", "-c", `set -e
pkgs=$(go list -e ./... | grep -v '^dagger/eventmall$' | grep -v '/internal/')
[ -n "$pkgs" ] || { echo "no module package found" >&2; exit 1; }
go vet $pkgs
go test -count=1 $pkgs`})
	return sync(ctx, "module-tests (go test of the module's packages)", c)
}

// TerraformFmt checks that every Terraform file is formatted (`terraform fmt -check`).
// +check
func (m *Eventmall) TerraformFmt(ctx context.Context) error {
	c := dag.Container().
		From(terraformImage).
		WithDirectory("/terraform", m.Source.Directory("terraform")).
		WithWorkdir("/terraform").
		WithExec([]string{"terraform", "fmt", "-check", "-recursive", "-diff"})
	return sync(ctx, "terraform-fmt", c)
}

// TerraformPolicy runs the Go policy tests over every Terraform module and
// stack (typed variables, module wiring, network and IAM invariants) and the
// plan/apply plumbing tests with a real terraform binary.
// +check
func (m *Eventmall) TerraformPolicy(ctx context.Context) error {
	c := m.goBase().
		WithFile("/usr/local/bin/terraform", dag.Container().From(terraformImage).File("/bin/terraform")).
		WithEnvVariable("TF_CLI_CONFIG_FILE", "/dev/null").
		// The plan/apply mechanics must run, not skip.
		WithEnvVariable("EVENTMALL_REQUIRE_TERRAFORM", "1").
		WithExec([]string{"sh", "-c", "go vet ./terraform/... && go test ./terraform/..."})
	return sync(ctx, "terraform-policy (go test ./terraform/...)", c)
}

// CiParity checks that every CI vendor's entry makes the identical dagger call.
// +check
func (m *Eventmall) CiParity(ctx context.Context) error {
	return sync(ctx, "ci-parity (go test ./ci/...)", m.goBase().WithExec([]string{"sh", "-c", "go vet ./ci/... && go test ./ci/..."}))
}

// Check runs every check concurrently and prints each one's result and
// time: lint, unit and integration tests, catalogue validation, Terraform
// format, validate, lint, policy and scan, the CI vendors' files, parity and
// Jenkins harness, the docs' diagrams, the module's own tests, the browser
// tests, the bundle budget, the frontend's API types and the API fuzzer. Every check runs to the end, so one run
// reports every failure. Use this as the pull-request entry point.
func (m *Eventmall) Check(ctx context.Context) (string, error) {
	checks := []namedCheck{
		{"test-frontend", m.TestFrontend}, {"lint-frontend", m.LintFrontend},
		{"test-backend", m.TestBackend}, {"lint-backend", m.LintBackend}, {"validate-catalog", m.ValidateCatalog},
		{"terraform-fmt", m.TerraformFmt}, {"terraform-validate", m.TerraformValidate}, {"tflint", m.Tflint},
		{"terraform-policy", m.TerraformPolicy}, {"terraform-scan", m.TerraformScan}, {"iam-analyzer", m.IamAnalyzer},
		{"ci-parity", m.CiParity}, {"vendor-schemas", m.VendorSchemas}, {"shellcheck", m.Shellcheck},
		{"jenkins-harness", m.JenkinsHarness}, {"mermaid-docs", m.MermaidDocs},
		{"module-tests", m.ModuleTests}, {"browser-tests", m.BrowserTests}, {"bundle-budget", m.BundleBudget},
		{"api-types", m.ApiTypes}, {"schemathesis", m.Schemathesis},
	}
	results := runChecks(ctx, checks)
	table := checkTable(results)
	if err := joinFailures(results); err != nil {
		return "", fmt.Errorf("%s\n%w", table, err)
	}
	return table, nil
}
