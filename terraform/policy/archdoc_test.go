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

// The stack graph's diagram in docs/architecture.md is rendered from the graph's declaration
// (.dagger/stackio/graph.json); UPDATE_TF_DOCS=1 rewrites it.
func TestArchitectureDiagramIsTheStackGraph(t *testing.T) {
	tree := load(t, realTree)
	g, err := LoadGraph()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(realTree, "..", "docs", "architecture.md")
	b, _ := os.ReadFile(path)
	doc := string(b)
	const head = "## The stacks and what flows between them\n\n```mermaid\n"
	i := strings.Index(doc, head)
	if i < 0 {
		t.Fatalf("docs/architecture.md has no %q section", strings.TrimSpace(head))
	}
	start := i + len(head)
	end := start + strings.Index(doc[start:], "```")
	want := GraphDiagram(tree, g)
	if doc[start:end] == want {
		return
	}
	if os.Getenv("UPDATE_TF_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(doc[:start]+want+doc[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/architecture.md: the stack graph diagram is stale; run UPDATE_TF_DOCS=1 go test ./terraform/policy -run TestArchitectureDiagram\nwant:\n%s", want)
}
