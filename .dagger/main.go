// Eventmall takes a limited-time event shop from source to AWS: tests,
// builds, Terraform, image publish, S3 sync, CloudFront invalidation and
// Slack notices, each a function of its own, chained by Deploy.
package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/notify"
	"dagger/eventmall/sourceset"
)

// Eventmall is the delivery pipeline of the eventmall shop.
type Eventmall struct {
	// The repository the module works on, as the constructor filtered it
	// (the one ignore list of the project: tests copy the source from here).
	Source *dagger.Directory
}

func New(
	// The eventmall repository. Defaults to the repository holding dagger.json.
	// What it holds of sourceset.Ignore (dependencies, build output, state,
	// logs) is left out, whichever directory is given.
	// +optional
	// +defaultPath="/"
	// +ignore=[".git", ".test-logs", "**/node_modules", "**/dist", "**/.terraform", "**/*.tfstate", "**/*.tfstate.*", "**/*.tfplan", "**/test-results", "**/playwright-report", "**/coverage", "docs/screenshots", ".dagger/internal", ".dagger/dagger.gen.go", ".dagger/tests/internal", ".dagger/tests/dagger.gen.go"]
	source *dagger.Directory,
) *Eventmall {
	// The pragma filters only the default path; a --source is uploaded whole.
	return &Eventmall{Source: source.Filter(dagger.DirectoryFilterOpts{Exclude: sourceset.Ignore})}
}

func (m *Eventmall) frontendDir() *dagger.Directory { return m.Source.Directory("frontend") }
func (m *Eventmall) backendDir() *dagger.Directory  { return m.Source.Directory("backend") }

// npmCache is shared by every npm install of the module.
func npmCache() *dagger.CacheVolume { return dag.CacheVolume("eventmall-npm") }

// nodeBase is Node with the npm cache mounted and dir's dependencies
// installed from its lockfile. package*.json is copied first so a source
// change does not invalidate the install layer.
func nodeBase(dir *dagger.Directory) *dagger.Container {
	return nodeDeps(dag.Container().From(nodeImage), dir)
}

// nodeDeps is nodeBase on another Node image.
func nodeDeps(node *dagger.Container, dir *dagger.Directory) *dagger.Container {
	return node.
		WithMountedCache("/root/.npm", npmCache()).
		WithEnvVariable("CI", "true").
		WithWorkdir("/src").
		WithFile("/src/package.json", dir.File("package.json")).
		WithFile("/src/package-lock.json", dir.File("package-lock.json")).
		WithExec([]string{"npm", "ci", "--no-audit", "--no-fund"}).
		WithDirectory("/src", dir) // from m.Source: no node_modules (sourceset.Ignore)
}

// cacheBuster returns a value that differs on every call; an env variable
// set to it makes the execs after it run again instead of hitting the
// layer cache. Side effects (apply, plan against live state) need it.
func cacheBuster() string { return strconv.FormatInt(time.Now().UnixNano(), 10) }

// execFailure is a command that failed: what it was, its exit code and the
// end of its output, which reports (terminal, Slack) show.
type execFailure struct {
	what string
	code int
	tail string
}

func (e *execFailure) Error() string {
	return fmt.Sprintf("%s failed (exit code %d):\n%s", e.what, e.code, e.tail)
}

// logTail extracts the end of a failed command's output for reports.
func logTail(err error) string {
	var f *execFailure
	if errors.As(err, &f) {
		return f.tail
	}
	var e *dagger.ExecError
	if errors.As(err, &e) {
		return tailOf(e.Stdout, e.Stderr)
	}
	return ""
}

func tailOf(stdout, stderr string) string {
	return notify.FailureExcerpt(strings.TrimSpace(stdout+"\n"+stderr), 25)
}

// execErr names what failed and why, with the tail of the command's
// output: the part a reader needs to see which stage failed and why.
func execErr(what string, err error) error {
	var e *dagger.ExecError
	if errors.As(err, &e) {
		return &execFailure{what: what, code: e.ExitCode, tail: tailOf(e.Stdout, e.Stderr)}
	}
	return fmt.Errorf("%s failed: %w", what, err)
}

// sync forces evaluation of a container and reports failures by name.
func sync(ctx context.Context, what string, c *dagger.Container) error {
	if _, err := c.Sync(ctx); err != nil {
		return execErr(what, err)
	}
	return nil
}
