package main

import (
	"context"
	"fmt"
	"path"
	"strings"

	"dagger/eventmall/internal/dagger"
)

// checkJsonschemaVersion is the PyPI release validating the vendor files;
// its SchemaStore schemas ship in the package, so validation is offline.
const checkJsonschemaVersion = "0.39.0"

// vendorFiles are the CI vendors' files and the built-in schema of each.
var vendorFiles = []struct{ schema, glob string }{
	{"vendor.github-workflows", ".github/workflows/*.yml"},
	{"vendor.github-actions", "ci/github/*/action.yml"},
	{"vendor.gitlab-ci", ".gitlab-ci.yml"},
	{"vendor.gitlab-ci", "ci/gitlab/*.gitlab-ci.yml"},
	{"vendor.circle-ci", ".circleci/config.yml"},
	{"vendor.circle-ci", "ci/circleci/config.yml"},
}

// brokenVendorFiles are edits each of which makes a vendor file invalid:
// the validator must reject every one, so a validator that accepts
// everything cannot pass for green.
var brokenVendorFiles = []struct{ schema, file, old, new string }{
	{"vendor.github-workflows", ".github/workflows/eventmall.yml", "runs-on:", "run-on:"},
	{"vendor.github-actions", "ci/github/deploy/action.yml", "using: composite", "using: compost"},
	{"vendor.gitlab-ci", "ci/gitlab/eventmall.gitlab-ci.yml", "\n    when: always", "\n    when: sometimes"},
	{"vendor.gitlab-ci", ".gitlab-ci.yml", "local:", "locale:"},
	{"vendor.circle-ci", "ci/circleci/config.yml", "\nversion: 2.1", "\nversion: banana"},
}

// VendorSchemas validates every CI vendor's file (GitHub workflow and
// actions, GitLab CI, CircleCI) against its JSON schema with
// check-jsonschema, and checks that a broken copy of each kind is rejected.
// +check
func (m *Eventmall) VendorSchemas(ctx context.Context) error {
	base := pythonVenv("/opt/check-jsonschema", "check-jsonschema=="+checkJsonschemaVersion).
		WithDirectory("/src", m.Source, dagger.ContainerWithDirectoryOpts{
			Include: []string{".github/**", ".gitlab-ci.yml", ".circleci/**", "ci/**/*.yml"},
		}).
		WithWorkdir("/src")
	validate := []string{"/opt/check-jsonschema/bin/check-jsonschema", "--builtin-schema"}
	var checks []namedCheck
	for _, v := range vendorFiles {
		files, err := m.Source.Glob(ctx, v.glob)
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return fmt.Errorf("vendor-schemas: no file matches %s", v.glob)
		}
		c := base.WithExec(append(append(validate, v.schema), files...))
		checks = append(checks, namedCheck{v.glob, func(ctx context.Context) error {
			return sync(ctx, fmt.Sprintf("vendor-schemas: %s against %s", v.glob, v.schema), c)
		}})
	}
	for _, b := range brokenVendorFiles {
		checks = append(checks, namedCheck{"broken " + b.file, func(ctx context.Context) error {
			text, err := m.Source.File(b.file).Contents(ctx)
			if err != nil {
				return err
			}
			if !strings.Contains(text, b.old) {
				return fmt.Errorf("vendor-schemas self-test: %q is not in %s any more: update brokenVendorFiles", strings.TrimSpace(b.old), b.file)
			}
			broken := "/broken/" + path.Base(b.file)
			code, err := base.
				WithNewFile(broken, strings.Replace(text, b.old, b.new, 1)).
				WithExec(append(append(validate, b.schema), broken), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny}).
				ExitCode(ctx)
			if err != nil {
				return err
			}
			if code == 0 {
				return fmt.Errorf("vendor-schemas self-test: %s accepted a broken %s (%q → %q)", b.schema, b.file, strings.TrimSpace(b.old), strings.TrimSpace(b.new))
			}
			return nil
		}})
	}
	return runAll(ctx, checks...)
}

// debianWith is Debian with the given packages of Debian's installed.
func debianWith(packages ...string) *dagger.Container {
	return dag.Container().
		From(debianImage).
		WithEnvVariable("DEBIAN_FRONTEND", "noninteractive").
		// The slim base has no man folders, which the JRE's postinst links into.
		WithExec([]string{"sh", "-c", "mkdir -p /usr/share/man/man1 && apt-get update -qq && " +
			"apt-get install -y -qq --no-install-recommends " + strings.Join(packages, " ") + " >/dev/null && rm -rf /var/lib/apt/lists/*"})
}

// shellcheckTool is Debian's shellcheck.
func shellcheckTool() *dagger.Container { return debianWith("shellcheck") }

// groovyTool is Debian's Groovy, the 2.4 line that Jenkins' own CPS engine
// uses.
func groovyTool() *dagger.Container {
	return debianWith("groovy", "default-jre-headless").
		// Debian's groovy launcher wants JAVA_HOME to hold a java.
		WithEnvVariable("JAVA_HOME", "/usr/lib/jvm/default-java")
}

// Shellcheck lints every shell script of the repository with shellcheck:
// warnings and errors fail it (style and info notes are not enforced,
// except in the CI vendors' OIDC helpers, ci/*/aws-oidc.sh, which users
// copy into their pipelines: there every note fails it).
// +check
func (m *Eventmall) Shellcheck(ctx context.Context) error {
	// m.Source holds no node_modules (sourceset.Ignore).
	files, err := m.Source.Glob(ctx, "**/*.sh")
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("shellcheck: no shell script found")
	}
	c := shellcheckTool().
		WithDirectory("/src", m.Source, dagger.ContainerWithDirectoryOpts{Include: []string{"**/*.sh"}}).
		WithWorkdir("/src").
		WithExec(append([]string{"shellcheck", "--external-sources", "--source-path=SCRIPTDIR", "--severity=warning"}, files...)).
		WithExec([]string{"sh", "-c", "ls ci/*/aws-oidc.sh >/dev/null && shellcheck ci/*/aws-oidc.sh"})
	return sync(ctx, "shellcheck", c)
}

// jenkinsRuns runs the Jenkins pipeline under real Groovy with stub steps
// (ci/jenkins/harness/run.groovy), as a pull request, as main and as main's
// timer-started build, and returns the sh scripts it recorded, in pr/, main/
// and scheduled/.
func (m *Eventmall) jenkinsRuns() *dagger.Directory {
	c := groovyTool().
		WithDirectory("/src", m.Source, dagger.ContainerWithDirectoryOpts{Include: []string{"Jenkinsfile", "ci/**"}}).
		WithWorkdir("/src")
	for _, mode := range []string{"pr", "main", "scheduled"} {
		c = c.WithExec([]string{"groovy", "ci/jenkins/harness/run.groovy", "/src", "/out/" + mode, mode})
	}
	return c.Directory("/out")
}

// JenkinsHarness runs the Jenkins pipeline under Groovy as a pull request
// and as main, checks that Groovy rejects an unbalanced file, lints the sh
// steps it produced with shellcheck, and checks that they equal, byte for
// byte, what the CI parity test's Groovy reader decoded.
// +check
func (m *Eventmall) JenkinsHarness(ctx context.Context) error {
	runs := m.jenkinsRuns()
	selfTest := groovyTool().
		WithNewFile("/broken.groovy", "node {\n  sh \"x\"\n").
		WithExec([]string{"groovyc", "-d", "/classes", "/broken.groovy"}, dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	return runAll(ctx,
		namedCheck{"groovyc self-test", func(ctx context.Context) error {
			code, err := selfTest.ExitCode(ctx)
			if err != nil {
				return err
			}
			if code == 0 {
				return fmt.Errorf("jenkins-harness self-test: groovyc accepted an unbalanced file")
			}
			return nil
		}},
		namedCheck{"shellcheck of the sh steps", func(ctx context.Context) error {
			// From the repository's root, as Jenkins runs them: the steps
			// source ci/jenkins/aws-oidc.sh, which shellcheck follows.
			c := shellcheckTool().
				WithDirectory("/steps", runs).
				WithDirectory("/src", m.Source, dagger.ContainerWithDirectoryOpts{Include: []string{"ci/**/*.sh"}}).
				WithWorkdir("/src").
				WithExec([]string{"sh", "-c", "ls /steps/pr/*.sh /steps/main/*.sh /steps/scheduled/*.sh >/dev/null && shellcheck -x -s sh /steps/pr/*.sh /steps/main/*.sh /steps/scheduled/*.sh"})
			return sync(ctx, "jenkins-harness: shellcheck of the Jenkins sh steps", c)
		}},
		namedCheck{"parity with the Groovy reader", func(ctx context.Context) error {
			c := m.goBase().
				WithDirectory("/jenkins", runs).
				WithEnvVariable("EVENTMALL_JENKINS_SH_DIRS", "/jenkins/pr:/jenkins/main:/jenkins/scheduled").
				WithExec([]string{"go", "test", "-count=1", "-run", "TestJenkinsHarnessAgrees", "./ci/parity/"})
			return sync(ctx, "jenkins-harness: the recorded sh steps against the parity test's reader", c)
		}},
	)
}

// MermaidDocs parses every Mermaid diagram in docs/ with mermaid itself
// (ci/checks/mermaid, npm), and checks that a broken diagram is rejected.
// +check
func (m *Eventmall) MermaidDocs(ctx context.Context) error {
	c := nodeBase(m.Source.Directory("ci/checks/mermaid")).
		WithDirectory("/docs", m.Source.Directory("docs"), dagger.ContainerWithDirectoryOpts{Include: []string{"**/*.md"}}).
		WithExec([]string{"sh", "-c", "node check.mjs /docs/*.md"})
	return sync(ctx, "mermaid-docs", c)
}
