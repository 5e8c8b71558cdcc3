package rehearse

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// configurationAliases lists the provider configurations a module expects from its caller
// (required_providers' configuration_aliases, e.g. aws.us_east_1). Validating such a module
// alone needs a stand-in provider block for each, as its caller would pass.
func configurationAliases(dir string) ([]string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	p := hclparse.NewParser()
	seen := map[string]bool{}
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			return nil, fmt.Errorf("%s: %s", f, diags.Error())
		}
		body, ok := file.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, tb := range body.Blocks {
			if tb.Type != "terraform" {
				continue
			}
			for _, rp := range tb.Body.Blocks {
				if rp.Type != "required_providers" {
					continue
				}
				for _, attr := range rp.Body.Attributes {
					obj, ok := attr.Expr.(*hclsyntax.ObjectConsExpr)
					if !ok {
						continue
					}
					for _, item := range obj.Items {
						key := hcl.ExprAsKeyword(item.KeyExpr)
						if key != "configuration_aliases" {
							continue
						}
						exprs, diags := hcl.ExprList(item.ValueExpr)
						if diags.HasErrors() {
							return nil, fmt.Errorf("%s: %s", f, diags.Error())
						}
						for _, e := range exprs {
							tr, diags := hcl.AbsTraversalForExpr(e)
							if diags.HasErrors() || len(tr) != 2 {
								continue
							}
							root := tr.RootName()
							if a, ok := tr[1].(hcl.TraverseAttr); ok {
								seen[root+"."+a.Name] = true
							}
						}
					}
				}
			}
		}
	}
	var out []string
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out, nil
}

// standInAliases writes one empty provider block per configuration alias into dir.
func standInAliases(dir string) error {
	aliases, err := configurationAliases(dir)
	if err != nil || len(aliases) == 0 {
		return err
	}
	var text string
	for _, a := range aliases {
		var name, alias string
		fmt.Sscanf(filepathSplitDot(a), "%s %s", &name, &alias)
		text += fmt.Sprintf("# Stand-in for the configuration the caller passes (validation only).\nprovider %q {\n  alias = %q\n}\n", name, alias)
	}
	return os.WriteFile(filepath.Join(dir, "rehearse_aliases.tf"), []byte(text), 0o644)
}

func filepathSplitDot(s string) string {
	for i := range s {
		if s[i] == '.' {
			return s[:i] + " " + s[i+1:]
		}
	}
	return s
}

// StandInAliases writes, into each module folder given, the stand-in provider blocks its
// configuration aliases need to be validated alone (rehearse_aliases.tf, none when the module
// expects no alias). The module's terraform-validate check runs it before `terraform validate`.
func StandInAliases(dirs ...string) error {
	for _, d := range dirs {
		if err := standInAliases(d); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
	}
	return nil
}
