package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docs/architecture.md keeps up with the code: every module and stack appears in its diagrams,
// and every output named on a stack-graph arrow exists.
func TestArchitectureDocNamesEveryModuleAndStack(t *testing.T) {
	tree := load(t, realTree)
	b, err := os.ReadFile(filepath.Join(realTree, "..", "docs", "architecture.md"))
	if err != nil {
		t.Fatalf("docs/architecture.md: %v", err)
	}
	doc := string(b)
	if !strings.Contains(doc, "```mermaid") {
		t.Fatal("docs/architecture.md has no Mermaid diagram")
	}
	for name := range tree.Modules {
		if !strings.Contains(doc, "module "+name) && !strings.Contains(doc, "modules "+name) && !strings.Contains(doc, ", "+name) {
			t.Errorf("docs/architecture.md does not show module %q", name)
		}
	}
	for _, name := range StackOrder {
		if !strings.Contains(doc, "stacks/"+name) {
			t.Errorf("docs/architecture.md does not show stack %q", name)
		}
	}
	// Outputs on the arrows of the stack graph exist in the upstream stack.
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		for _, from := range StackOrder {
			if !strings.HasPrefix(line, from+" -->|") {
				continue
			}
			label := strings.SplitN(strings.TrimPrefix(line, from+" -->|"), "|", 2)[0]
			for _, o := range strings.Split(label, ",") {
				o = strings.TrimSpace(o)
				if _, ok := tree.Stacks[from].Outputs[o]; !ok {
					t.Errorf("docs/architecture.md: stack %q has no output %q", from, o)
				}
			}
		}
	}
}
