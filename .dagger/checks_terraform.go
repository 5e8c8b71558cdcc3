package main

import (
	"context"
	"fmt"
	"path"
	"strings"

	"dagger/eventmall/internal/dagger"
)

// Versions of the Terraform checks' tools, each written once here.
const (
	tflintModule   = "github.com/terraform-linters/tflint@v0.64.0"
	checkovVersion = "3.3.30"
)

// providerFreeFixtures are the fixture stacks that need no provider
// download (terraform/fixtures/broken is broken on purpose: the policy
// tests assert that each one fails).
var providerFreeFixtures = []string{"fixtures/plumbing/*"}

// validatedWithOfflineProvider are the folders validated against the AWS
// provider's schema, served by the offline provider (no download).
var validatedWithOfflineProvider = []string{"modules/*", "stacks/*"}

// validateSchema is the hashicorp/aws schema the check validates against;
// terraform/scripts/check.sh validates and plans both ends of the range.
const validateSchema = "6.47.0"

// terraformDirs lists the folders under terraform/ that hold a main.tf and
// match pattern (a glob below terraform/, e.g. "fixtures/*/*").
func (m *Eventmall) terraformDirs(ctx context.Context, pattern string) ([]string, error) {
	files, err := m.Source.Directory("terraform").Glob(ctx, pattern+"/main.tf")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Terraform folder matches terraform/%s", pattern)
	}
	dirs := make([]string, len(files))
	for i, f := range files {
		dirs[i] = path.Dir(f)
	}
	return dirs, nil
}

// TerraformValidate runs `terraform init -backend=false` and `terraform
// validate` in every real module and stack, against the schema of
// hashicorp/aws served by the offline provider (a stand-in; the real binary
// cannot be downloaded here), and in the provider-free plumbing fixtures.
// Every folder is validated; each failure is named.
// +check
func (m *Eventmall) TerraformValidate(ctx context.Context) error {
	type folder struct {
		dir     string
		offline bool
	}
	var dirs []folder
	for _, set := range []struct {
		patterns []string
		offline  bool
	}{{validatedWithOfflineProvider, true}, {providerFreeFixtures, false}} {
		for _, pattern := range set.patterns {
			found, err := m.terraformDirs(ctx, pattern)
			if err != nil {
				return err
			}
			for _, d := range found {
				dirs = append(dirs, folder{d, set.offline})
			}
		}
	}
	// A module that expects provider configurations from its caller (an
	// alias such as aws.us_east_1) gets a stand-in block for each, as the
	// host's rehearsal gives it, or terraform cannot validate it alone.
	var modules []string
	for _, f := range dirs {
		if strings.HasPrefix(f.dir, "modules/") {
			modules = append(modules, "terraform/"+f.dir)
		}
	}
	tree := m.goBase().
		WithExec(append([]string{"go", "run", "./terraform/rehearse/cmd/stand-in-aliases"}, modules...)).
		Directory("/src/terraform")
	engine, label, err := engineContainer(ctx)
	if err != nil {
		return err
	}
	base := engine.
		WithEnvVariable("TF_CLI_CONFIG_FILE", "/dev/null").
		WithEnvVariable("TF_IN_AUTOMATION", "1").
		WithEnvVariable("CHECKPOINT_DISABLE", "1").
		WithDirectory("/terraform", tree)
	offline := withOfflineProvider(base, m.Source, validateSchema, nil)
	checks := make([]namedCheck, len(dirs))
	for i, f := range dirs {
		c, name := base, tf+" validate terraform/"+f.dir+" ("+label
		if f.offline {
			c, name = offline, name+", "+offlineLabel(validateSchema)
		}
		name += ")"
		c = c.WithWorkdir("/terraform/" + f.dir).
			WithExec([]string{tf, "init", "-backend=false", "-input=false", "-no-color"}).
			WithExec([]string{tf, "validate", "-no-color"})
		checks[i] = namedCheck{name, func(ctx context.Context) error {
			return sync(ctx, name, c)
		}}
	}
	return runAll(ctx, checks...)
}

// tflint is the tflint binary, built from the Go module proxy.
func tflint() *dagger.File {
	return goToolchain().
		WithEnvVariable("CGO_ENABLED", "0").
		WithExec(retried("go", "install", tflintModule)).
		File("/go/bin/tflint")
}

// Tflint lints every Terraform module, stack and fixture with tflint's
// bundled terraform ruleset (terraform/.tflint.hcl): typed variables,
// unused declarations, required versions, naming.
// +check
func (m *Eventmall) Tflint(ctx context.Context) error {
	var dirs []string
	for _, pattern := range append([]string{"modules/*", "stacks/*"}, providerFreeFixtures...) {
		found, err := m.terraformDirs(ctx, pattern)
		if err != nil {
			return err
		}
		dirs = append(dirs, found...)
	}
	engine, _, err := engineContainer(ctx)
	if err != nil {
		return err
	}
	base := engine.
		WithFile("/usr/local/bin/tflint", tflint()).
		WithDirectory("/terraform", m.Source.Directory("terraform")).
		WithWorkdir("/terraform")
	checks := make([]namedCheck, len(dirs))
	for i, d := range dirs {
		c := base.WithExec([]string{"tflint", "--chdir=" + d, "--config=/terraform/.tflint.hcl", "--format=compact"})
		checks[i] = namedCheck{"tflint terraform/" + d, func(ctx context.Context) error {
			return sync(ctx, "tflint of terraform/"+d, c)
		}}
	}
	return runAll(ctx, checks...)
}

// TerraformScan scans the Terraform modules and stacks with checkov (from
// PyPI; its checks ship in the package, nothing is downloaded at scan time)
// by terraform/scripts/scan.sh: any failed check fails, and a suppression
// without a written reason fails too.
// +check
func (m *Eventmall) TerraformScan(ctx context.Context) error {
	c := pythonVenv("/cache/checkov-venv", "checkov=="+checkovVersion).
		WithEnvVariable("EVENTMALL_CACHE", "/cache").
		WithEnvVariable("CHECKOV_VERSION", checkovVersion).
		WithDirectory("/src/terraform", m.Source.Directory("terraform")).
		WithWorkdir("/src").
		WithExec([]string{"bash", "terraform/scripts/scan.sh"})
	return sync(ctx, "terraform-scan (checkov)", c)
}

// pythonVenv is Python with a virtualenv at dir holding the given PyPI
// requirements, pip's downloads cached.
func pythonVenv(dir string, requirements ...string) *dagger.Container {
	return dag.Container().
		From(pythonImage).
		WithMountedCache("/root/.cache/pip", dag.CacheVolume("eventmall-pip")).
		// pip's own CA list lacks what the system store holds (the engine
		// adds an operator's extra CA there).
		WithEnvVariable("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt").
		WithEnvVariable("PIP_DISABLE_PIP_VERSION_CHECK", "1").
		WithExec([]string{"python3", "-m", "venv", dir}).
		WithExec(retried(append([]string{dir + "/bin/pip", "install", "--quiet"}, requirements...)...))
}

// goToolchain is Go with the module and build caches mounted.
func goToolchain() *dagger.Container {
	return dag.Container().
		From(golangImage).
		WithMountedCache("/go/pkg/mod", dag.CacheVolume("eventmall-go-mod")).
		WithMountedCache("/root/.cache/go-build", dag.CacheVolume("eventmall-go-build"))
}

// retried wraps a download command in a few attempts: the Go module proxy
// and PyPI answer an occasional request with an error they do not repeat.
func retried(args ...string) []string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	cmd := strings.Join(quoted, " ")
	return []string{"sh", "-c", "for i in 1 2 3 4; do " + cmd + " && exit 0; echo \"attempt $i failed: " +
		strings.ReplaceAll(strings.Join(args, " "), `"`, `'`) + "\" >&2; sleep $((i * 3)); done; exit 1"}
}

// IAM analyzer versions (PyPI), written once here.
const (
	cloudsplainingVersion = "0.9.1"
	parliamentVersion     = "1.6.4"
)

// IamAnalyzer renders the IAM policy documents of every module to JSON (go
// run ./terraform/policy/cmd/render-iam: base's CI, staff and trail roles,
// the workload roles the stacks create, the site bucket policy) and runs
// cloudsplaining and parliament over them (terraform/scripts/iam_analyze.py):
// any privilege escalation of any role (the deployer, plan and staff role
// above all) fails, and so does any other finding without a written reason
// in terraform/policy/iam-analyzer-reasons.json.
// +check
func (m *Eventmall) IamAnalyzer(ctx context.Context) error {
	rendered := m.goBase().
		WithExec([]string{"go", "run", "./terraform/policy/cmd/render-iam", "-terraform", "terraform", "-out", "/out"}).
		Directory("/out")
	c := pythonVenv("/opt/iam-analyzer", "cloudsplaining=="+cloudsplainingVersion, "parliament=="+parliamentVersion).
		WithDirectory("/src/terraform", m.Source.Directory("terraform")).
		WithDirectory("/policies", rendered).
		WithWorkdir("/src").
		WithExec([]string{"/opt/iam-analyzer/bin/python", "terraform/scripts/iam_analyze.py", "/policies",
			"terraform/policy/iam-analyzer-reasons.json"})
	return sync(ctx, "iam-analyzer (cloudsplaining, parliament)", c)
}
