package main

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"

	"dagger/eventmall/internal/dagger"
)

// goBase is Go with module and build caches, holding the repository's root
// Go module (Terraform policy tests, CI parity test, air-gapped tool).
func (m *Eventmall) goBase() *dagger.Container {
	return dag.Container().
		From(golangImage).
		WithMountedCache("/go/pkg/mod", dag.CacheVolume("eventmall-go-mod")).
		WithMountedCache("/root/.cache/go-build", dag.CacheVolume("eventmall-go-build")).
		WithWorkdir("/src").
		WithDirectory("/src", m.Source, dagger.ContainerWithDirectoryOpts{
			// The CI parity test reads every vendor's entry and the docs.
			Include: []string{"go.mod", "go.sum", "dagger.json", "terraform/**", "ci/**", "docs/**",
				".dagger/images.go", ".dagger/deploy.go",
				// Read by the policy tests: the stack graph and the rush sizing check's capacity record.
				".dagger/stackio/graph.json", "backend/bench/capacity.json",
				"Jenkinsfile", ".github/**", ".gitlab-ci.yml", ".circleci/**"},
		})
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
		WithExec([]string{"go", "test", "./terraform/..."})
	return sync(ctx, "terraform-policy (go test ./terraform/...)", c)
}

// CiParity checks that every CI vendor's entry makes the identical dagger call.
// +check
func (m *Eventmall) CiParity(ctx context.Context) error {
	return sync(ctx, "ci-parity (go test ./ci/...)", m.goBase().WithExec([]string{"go", "test", "./ci/..."}))
}

// Check runs every check concurrently: lint, unit and integration tests,
// catalogue validation, Terraform format and policy, CI parity. Every check
// runs to the end, so one run reports every failure. Use this as the
// pull-request entry point.
func (m *Eventmall) Check(ctx context.Context) error {
	checks := []func(context.Context) error{
		m.TestFrontend, m.LintFrontend,
		m.TestBackend, m.LintBackend, m.ValidateCatalog,
		m.TerraformFmt, m.TerraformPolicy, m.CiParity,
	}
	errs := make([]error, len(checks))
	var g errgroup.Group
	for i, check := range checks {
		g.Go(func() error { errs[i] = check(ctx); return nil })
	}
	_ = g.Wait()
	return errors.Join(errs...)
}
