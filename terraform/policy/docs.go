package policy

import (
	"fmt"
	"strings"
)

// Markers of the generated part of a README (the rest is hand-written).
const (
	DocsBegin = "<!-- BEGIN_TF_DOCS -->"
	DocsEnd   = "<!-- END_TF_DOCS -->"
)

func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	return s
}

// RenderDocs renders the inputs and outputs tables of a module or stack.
func RenderDocs(m *Module) string {
	var b strings.Builder
	b.WriteString("### Inputs\n\n| Name | Type | Default | Description |\n|---|---|---|---|\n")
	for _, name := range sortedKeys(m.Variables) {
		v := m.Variables[name]
		def := "required"
		if v.Has("default") {
			def = "`" + cell(v.Raw("default")) + "`"
			if len(def) > 60 {
				def = "(long, see variables.tf)"
			}
		}
		desc, _ := literalString(v.Body, "description")
		if s, _ := literalBoolAttr(v, "sensitive"); s {
			desc += " (sensitive)"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", name, cell(v.Raw("type")), def, cell(desc))
	}
	b.WriteString("\n### Outputs\n\n| Name | Description |\n|---|---|\n")
	for _, name := range sortedKeys(m.Outputs) {
		o := m.Outputs[name]
		desc, _ := literalString(o.Body, "description")
		if s, _ := literalBoolAttr(o, "sensitive"); s {
			desc += " (sensitive)"
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", name, cell(desc))
	}
	return b.String()
}

func literalBoolAttr(b *Block, name string) (bool, bool) { return literalBool(b.Body, name) }

// ReplaceDocs swaps the generated part between the markers (named by suffix, e.g. "" or
// " stack=base") in text; ok is false when the markers are missing.
func ReplaceDocs(text, suffix, generated string) (string, bool) {
	begin := strings.TrimSuffix(DocsBegin, " -->") + suffix + " -->"
	end := strings.TrimSuffix(DocsEnd, " -->") + suffix + " -->"
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	if i < 0 || j < i {
		return text, false
	}
	return text[:i+len(begin)] + "\n" + generated + text[j:], true
}
