package tfengine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The module's stages (the Go files of .dagger, the module's main package)
// run the pinned engine only: no stage starts from a "terraform" image
// (images.json had hashicorp/terraform:1.5.7, which has no S3
// use_lockfile) and no exec names a binary literally ("terraform", "tofu"):
// they run Pinned().Binary() in the container engineContainer gives.
func TestModuleStagesRunThePin(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no module source next to tfengine: %v", err)
	}
	fset := token.NewFileSet()
	var found []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || filepath.Base(f) == "dagger.gen.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				// image("terraform"): the 2023 engine's image.
				if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "image" && len(x.Args) == 1 {
					if s, ok := stringLit(x.Args[0]); ok && s == "terraform" {
						found = append(found, fset.Position(x.Pos()).String()+`: image("terraform")`)
					}
				}
			case *ast.Ident:
				if x.Name == "terraformImage" {
					found = append(found, fset.Position(x.Pos()).String()+": terraformImage")
				}
			case *ast.CompositeLit:
				// []string{"terraform", …}: an exec of a binary named literally.
				if at, ok := x.Type.(*ast.ArrayType); ok && len(x.Elts) > 1 {
					if id, ok := at.Elt.(*ast.Ident); ok && id.Name == "string" {
						if s, ok := stringLit(x.Elts[0]); ok && (s == "terraform" || s == "tofu") {
							found = append(found, fset.Position(x.Pos()).String()+": exec of "+strconv.Quote(s))
						}
					}
				}
			}
			return true
		})
	}
	sort.Strings(found)
	for _, f := range found {
		t.Errorf("%s, not the pinned engine (%s)", f, Pinned().Label())
	}
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}
