package main

import (
	"context"
	"fmt"

	"dagger/eventmall/internal/dagger"
)

// goBase is Go with module and build caches, holding the repository's root
// Go module (Terraform policy tests, CI parity test, air-gapped tool).
func (m *Eventmall) goBase() *dagger.Container {
	return m.withGoSource(goToolchain())
}

// withGoSource adds the root Go module's source (and what its tests read) to
// a Go container at /src.
func (m *Eventmall) withGoSource(c *dagger.Container) *dagger.Container {
	return c.
		WithWorkdir("/src").
		WithDirectory("/src", m.Source, dagger.ContainerWithDirectoryOpts{
			// The CI parity test reads every vendor's entry and the docs.
			Include: []string{"go.mod", "go.sum", "dagger.json", "terraform/**", "ci/**", "docs/**",
				".dagger/images.json", ".dagger/deploy.go", ".dagger/changes.go",
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
	// The whole repository (New filtered it with sourceset.Ignore, which
	// leaves out the generated code): some packages test against the
	// Terraform stacks and the environments' settings they must agree with.
	c := goToolchain().
		WithDirectory("/src", m.Source).
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

// TerraformFmt checks that every Terraform file is formatted (`tofu fmt -check`, the pinned engine).
// +check
func (m *Eventmall) TerraformFmt(ctx context.Context) error {
	engine, label, err := engineContainer(ctx)
	if err != nil {
		return err
	}
	c := engine.
		WithDirectory("/terraform", m.Source.Directory("terraform")).
		WithWorkdir("/terraform").
		WithExec([]string{tf, "fmt", "-check", "-recursive", "-diff"})
	return sync(ctx, "terraform-fmt ("+label+")", c)
}

// TerraformPolicy runs the Go policy tests over every Terraform module and
// stack (typed variables, module wiring, network and IAM invariants, the
// backend's use_lockfile) and the plan/apply plumbing tests with the pinned
// engine (OpenTofu).
// +check
func (m *Eventmall) TerraformPolicy(ctx context.Context) error {
	engine, label, err := engineContainer(ctx)
	if err != nil {
		return err
	}
	c := m.goBase().
		WithFile(engineBin, engine.File(engineBin)).
		WithEnvVariable("TERRAFORM_BINARY", engineBin).
		WithEnvVariable("TF_CLI_CONFIG_FILE", "/dev/null").
		// The plan/apply mechanics must run, not skip.
		WithEnvVariable("EVENTMALL_REQUIRE_TERRAFORM", "1").
		WithExec([]string{"sh", "-c", "go vet ./terraform/... && go test ./terraform/..."})
	return sync(ctx, "terraform-policy (go test ./terraform/..., "+label+")", c)
}

// CiParity checks that every CI vendor's entry makes the identical dagger call, and runs the
// other tests of ./ci (the air-gapped tool's, its mirror with the real registry among them).
// +check
func (m *Eventmall) CiParity(ctx context.Context) error {
	// ci/airgap's mirror tests run the mirror's real registry, Debian's
	// docker-registry, as the air-gapped tool does on the host.
	tools := goToolchain().
		WithEnvVariable("DEBIAN_FRONTEND", "noninteractive").
		WithExec([]string{"sh", "-c", "apt-get update -qq && apt-get install -y -qq --no-install-recommends docker-registry >/dev/null && rm -rf /var/lib/apt/lists/*"})
	return sync(ctx, "ci-parity (go test ./ci/...)", m.withGoSource(tools).WithExec([]string{"sh", "-c", "go vet ./ci/... && go test ./ci/..."}))
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
