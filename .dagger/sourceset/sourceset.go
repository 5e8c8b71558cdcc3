// Package sourceset is the one list of what the module never reads from a
// repository: version control, dependencies, build output, Terraform state
// and plans, test logs and the module's generated code.
//
// New's +ignore pragma (main.go) must say the same: it filters the default
// path while it is uploaded, which only a pragma can do. A directory given
// with --source is uploaded whole (the pragma does not apply to it, seen on
// Dagger v0.19.7), so New filters every source again with Ignore.
// TestPragmaMatchesIgnore keeps the two equal.
package sourceset

// Ignore lists the excluded paths as Dagger glob patterns.
var Ignore = []string{
	".git", ".test-logs", "**/node_modules", "**/dist", "**/.terraform",
	"**/*.tfstate", "**/*.tfstate.*", "**/*.tfplan", "**/test-results",
	"**/playwright-report", "**/coverage", "docs/screenshots",
	".dagger/internal", ".dagger/dagger.gen.go", ".dagger/tests/internal", ".dagger/tests/dagger.gen.go",
}
