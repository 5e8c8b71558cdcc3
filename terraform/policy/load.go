// Package policy holds static checks of the project's Terraform: structure (typed variables,
// module calls, stack chaining) and security invariants (ALB ingress, private
// placement, encryption, IAM actions...). The checks read the HCL with hashicorp/hcl/v2 only, so
// they run without any provider (none can be downloaded on an air-gapped machine).
package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Block is a top-level block (resource, data, module, ...) with its source.
type Block struct {
	Kind   string // resource, data, module, variable, output, terraform, ...
	Type   string // first label (resource/data type, or name for module/variable/output)
	Name   string // second label for resource/data
	Body   *hclsyntax.Body
	File   string
	Src    []byte
	Module *Module
}

// Where is a file:line of the block.
func (b *Block) Where() string {
	return fmt.Sprintf("%s:%d", b.File, b.Body.SrcRange.Start.Line)
}

// Addr is the Terraform address of a resource or data block.
func (b *Block) Addr() string {
	if b.Kind == "data" {
		return "data." + b.Type + "." + b.Name
	}
	return b.Type + "." + b.Name
}

// Raw returns the source text of an attribute of the block body, or "".
func (b *Block) Raw(name string) string { return rawAttr(b.Body, b.Src, name) }

// Has reports whether the attribute is set.
func (b *Block) Has(name string) bool { _, ok := b.Body.Attributes[name]; return ok }

// Module is one directory of .tf files (a module, a stack or a fixture).
type Module struct {
	Name      string
	Dir       string
	Variables map[string]*Block
	Outputs   map[string]*Block
	Calls     map[string]*Block // module "x" { ... }
	Resources []*Block
	Data      []*Block
	Terraform []*Block
	All       []*Block
}

// Tree is a terraform/ directory: modules and stacks.
type Tree struct {
	Root    string
	Modules map[string]*Module
	Stacks  map[string]*Module
}

// LoadTree reads ROOT/modules/* and ROOT/stacks/*.
func LoadTree(root string) (*Tree, error) {
	t := &Tree{Root: root}
	var err error
	if t.Modules, err = loadDirs(filepath.Join(root, "modules")); err != nil {
		return nil, err
	}
	if t.Stacks, err = loadDirs(filepath.Join(root, "stacks")); err != nil {
		return nil, err
	}
	return t, nil
}

func loadDirs(parent string) (map[string]*Module, error) {
	out := map[string]*Module{}
	entries, err := os.ReadDir(parent)
	if os.IsNotExist(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		m, err := LoadModule(filepath.Join(parent, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = m
	}
	return out, nil
}

// LoadModule parses every .tf file of dir.
func LoadModule(dir string) (*Module, error) {
	m := &Module{
		Name:      filepath.Base(dir),
		Dir:       dir,
		Variables: map[string]*Block{},
		Outputs:   map[string]*Block{},
		Calls:     map[string]*Block{},
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	parser := hclparse.NewParser()
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		f, diags := parser.ParseHCL(src, path)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %s", path, diags.Error())
		}
		body := f.Body.(*hclsyntax.Body)
		for _, hb := range body.Blocks {
			b := &Block{Kind: hb.Type, Body: hb.Body, File: path, Src: src, Module: m}
			if len(hb.Labels) > 0 {
				b.Type = hb.Labels[0]
			}
			if len(hb.Labels) > 1 {
				b.Name = hb.Labels[1]
			}
			m.All = append(m.All, b)
			switch hb.Type {
			case "variable":
				m.Variables[b.Type] = b
			case "output":
				m.Outputs[b.Type] = b
			case "module":
				m.Calls[b.Type] = b
			case "resource":
				m.Resources = append(m.Resources, b)
			case "data":
				m.Data = append(m.Data, b)
			case "terraform":
				m.Terraform = append(m.Terraform, b)
			}
		}
	}
	return m, nil
}

// ResourcesOf returns the module's resources of one type.
func (m *Module) ResourcesOf(typ string) []*Block {
	var out []*Block
	for _, r := range m.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// DataOf returns the module's data sources of one type.
func (m *Module) DataOf(typ string) []*Block {
	var out []*Block
	for _, r := range m.Data {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the resource or data block with the address, or nil.
func (m *Module) Find(addr string) *Block {
	for _, b := range append(append([]*Block{}, m.Resources...), m.Data...) {
		if b.Addr() == addr {
			return b
		}
	}
	return nil
}

func rawExpr(src []byte, e hclsyntax.Expression) string {
	r := e.Range()
	return strings.TrimSpace(string(src[r.Start.Byte:r.End.Byte]))
}

func rawAttr(body *hclsyntax.Body, src []byte, name string) string {
	a, ok := body.Attributes[name]
	if !ok {
		return ""
	}
	return rawExpr(src, a.Expr)
}

// nested returns the direct child blocks of a body with the type; dynamic "type" blocks count
// too (their content body is returned).
func nested(body *hclsyntax.Body, typ string) []*hclsyntax.Body {
	var out []*hclsyntax.Body
	for _, b := range body.Blocks {
		if b.Type == typ {
			out = append(out, b.Body)
		}
		if b.Type == "dynamic" && len(b.Labels) == 1 && b.Labels[0] == typ {
			for _, c := range b.Body.Blocks {
				if c.Type == "content" {
					out = append(out, c.Body)
				}
			}
		}
	}
	return out
}

// literal evaluates an attribute without any variable; ok is false when it needs context.
func literalBool(body *hclsyntax.Body, name string) (val, ok bool) {
	a, found := body.Attributes[name]
	if !found {
		return false, false
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type().FriendlyName() != "bool" {
		return false, false
	}
	return v.True(), true
}

// literalStrings evaluates a list-of-strings attribute without any variable.
func literalStrings(body *hclsyntax.Body, name string) ([]string, bool) {
	a, found := body.Attributes[name]
	if !found {
		return nil, false
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() || !(v.Type().IsTupleType() || v.Type().IsListType() || v.Type().IsSetType()) {
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		if ev.Type().FriendlyName() != "string" {
			return nil, false
		}
		out = append(out, ev.AsString())
	}
	return out, true
}

// literalString evaluates a string attribute without any variable.
func literalString(body *hclsyntax.Body, name string) (string, bool) {
	a, found := body.Attributes[name]
	if !found {
		return "", false
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type().FriendlyName() != "string" {
		return "", false
	}
	return v.AsString(), true
}

// walkExprs calls fn for every attribute expression in body, recursively.
func walkExprs(body *hclsyntax.Body, fn func(hclsyntax.Expression)) {
	for _, a := range body.Attributes {
		fn(a.Expr)
	}
	for _, b := range body.Blocks {
		walkExprs(b.Body, fn)
	}
}

// traversalNames returns a traversal as dotted names (index steps dropped).
func traversalNames(t hcl.Traversal) []string {
	var out []string
	for _, step := range t {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			out = append(out, s.Name)
		case hcl.TraverseAttr:
			out = append(out, s.Name)
		}
	}
	return out
}
