package policy

import (
	"os"
	"path/filepath"
	"testing"
)

// READMEs list exactly the inputs and outputs of the code. Regenerate with
//
//	UPDATE_TF_DOCS=1 go test ./terraform/policy -run TestReadmes
func TestReadmesMatchTheCode(t *testing.T) {
	tree := load(t, realTree)
	update := os.Getenv("UPDATE_TF_DOCS") == "1"
	check := func(path, suffix string, m *Module) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (every module needs a README.md)", path, err)
			return
		}
		got, ok := ReplaceDocs(string(b), suffix, RenderDocs(m))
		if !ok {
			t.Errorf("%s: no generated-docs markers%s", path, suffix)
			return
		}
		if got == string(b) {
			return
		}
		if update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s: inputs/outputs tables are stale; run UPDATE_TF_DOCS=1 go test ./terraform/policy -run TestReadmes", path)
	}
	for _, name := range sortedKeys(tree.Modules) {
		check(filepath.Join(tree.Modules[name].Dir, "README.md"), "", tree.Modules[name])
	}
	for _, name := range StackOrder {
		if s, ok := tree.Stacks[name]; ok {
			check(filepath.Join(tree.Root, "README.md"), " stack="+name, s)
		}
	}
}
