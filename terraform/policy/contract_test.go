package policy

import (
	"os"
	"path/filepath"
	"testing"
)

// terraform/stacks/contract.json (read by the pipeline) matches the stacks.
func TestContractFileMatchesTheStacks(t *testing.T) {
	tree := load(t, realTree)
	want, err := Contract(tree)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(realTree, "stacks", "contract.json")
	got, _ := os.ReadFile(path)
	if string(got) == string(want) {
		return
	}
	if os.Getenv("UPDATE_TF_DOCS") == "1" {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is stale; run UPDATE_TF_DOCS=1 go test ./terraform/policy -run TestContract", path)
}
