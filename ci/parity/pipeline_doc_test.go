package parity

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestPipelineDiagramMatchesDeploy keeps docs/pipeline.md's Mermaid graph in sync with
// the stages .dagger/deploy.go (and changes.go, the catalogue's fast path) really runs (its gate and single stages, and the
// stacks and steps of the stack graph it walks, .dagger/stackio/graph.json): every stage named there must be a node
// of the diagram, and every node of the diagram must be such a stage (or one of the
// few framing nodes). Run on the host (`go test ./ci/...`); the module's own ci-parity
// check gets only ci/ and terraform/, so there the test skips.
func TestPipelineDiagramMatchesDeploy(t *testing.T) {
	root := repoRoot(t)
	deploy, err := os.ReadFile(filepath.Join(root, ".dagger", "deploy.go"))
	if err != nil {
		t.Skipf(".dagger/deploy.go not present: %v", err)
	}
	// The catalogue's fast path (publish-catalogue, load-catalogue) runs from changes.go.
	fast, err := os.ReadFile(filepath.Join(root, ".dagger", "changes.go"))
	if err != nil {
		t.Fatalf(".dagger/changes.go: %v", err)
	}
	deploy = append(deploy, fast...)
	doc, err := os.ReadFile(filepath.Join(root, "docs", "pipeline.md"))
	if err != nil {
		t.Skipf("docs/pipeline.md not present: %v", err)
	}

	code := map[string]bool{}
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`\{"([a-z]+(?:-[a-z]+)*)",\s*(?:d\.m\.|func)`), // the gate's {name, fn} list
		regexp.MustCompile(`run\.Stage\(\w+, "([a-z]+(?:-[a-z]+)*)"`),     // single stages
	} {
		for _, m := range re.FindAllStringSubmatch(string(deploy), -1) {
			code[m[1]] = true
		}
	}
	// The stacks ("plan <name>" and "apply <name>") and the steps that read
	// their outputs: deploy walks the stack graph, so they are read from it.
	raw, err := os.ReadFile(filepath.Join(root, ".dagger", "stackio", "graph.json"))
	if err != nil {
		t.Fatal(err)
	}
	var graph struct {
		Stacks, Steps []struct{ Name string }
	}
	if err := json.Unmarshal(raw, &graph); err != nil {
		t.Fatalf("stack graph: %v", err)
	}
	for _, n := range append(graph.Stacks, graph.Steps...) {
		code[n.Name] = true
	}
	if len(code) < 10 {
		t.Fatalf("found only %d stages in .dagger/deploy.go (%v): has its shape changed? update this test", len(code), keys(code))
	}

	block := regexp.MustCompile("(?s)```mermaid\n(.*?)```").FindStringSubmatch(string(doc))
	if block == nil {
		t.Fatal("docs/pipeline.md has no mermaid block")
	}
	framing := map[string]bool{"dagger call aws … environment … deploy": true, "gate: all at once, all must pass": true, "report + Slack thread closed": true}
	diagram := map[string]bool{}
	for _, m := range regexp.MustCompile(`\w+(?:\[|\(\[|\s*\[)"?([^"\]<)]+)`).FindAllStringSubmatch(block[1], -1) {
		label := strings.TrimSpace(m[1])
		if framing[label] {
			continue
		}
		diagram[strings.Fields(label)[0]] = true
	}
	for s := range code {
		if !diagram[s] {
			t.Errorf("stage %q of .dagger/deploy.go is missing from the diagram in docs/pipeline.md", s)
		}
	}
	for s := range diagram {
		if !code[s] {
			t.Errorf("docs/pipeline.md's diagram shows %q, which .dagger/deploy.go does not run", s)
		}
	}
	t.Logf("stages: %v", keys(code))
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
