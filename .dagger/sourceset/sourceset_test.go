package sourceset

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"testing"
)

// The pragma on New's source argument lists exactly Ignore, in its order.
func TestPragmaMatchesIgnore(t *testing.T) {
	b, err := os.ReadFile("../main.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*// \+ignore=(\[.*\])$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("main.go: no +ignore pragma on New's source argument")
	}
	var pragma []string
	if err := json.Unmarshal(m[1], &pragma); err != nil {
		t.Fatalf("main.go: the +ignore pragma is not a JSON list: %v", err)
	}
	if !slices.Equal(pragma, Ignore) {
		t.Fatalf("main.go's +ignore pragma and sourceset.Ignore differ:\n pragma %q\n Ignore %q", pragma, Ignore)
	}
}
