package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// brokenModule copies the real modules/NAME into a temporary tree and applies the edits (each
// edit's file is a file name of that module).
func brokenModule(t *testing.T, name string, edits []edit) *Tree {
	t.Helper()
	dir := filepath.Join("modules", name)
	for i := range edits {
		edits[i].file = filepath.Join(dir, edits[i].file)
	}
	return brokenTree(t, []string{dir}, edits)
}

// brokenTree copies the real folders dirs (relative to terraform/, e.g. modules/edge and
// stacks/edge) into a temporary tree and applies the edits (each edit's file relative to
// terraform/): a broken variant of the real code, so each check is shown to fail on it.
func brokenTree(t *testing.T, dirs []string, edits []edit) *Tree {
	t.Helper()
	root := t.TempDir()
	applied := make([]bool, len(edits))
	for _, dir := range dirs {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(realTree, dir, "*.tf"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rel := filepath.Join(dir, filepath.Base(f))
			text := string(src)
			for i, e := range edits {
				if e.file != rel {
					continue
				}
				if !strings.Contains(text, e.old) {
					t.Fatalf("the edit no longer applies: %q not in %s (update the broken variant)", e.old, e.file)
				}
				text = strings.Replace(text, e.old, e.new, e.n)
				applied[i] = true
			}
			if err := os.WriteFile(filepath.Join(root, rel), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, ok := range applied {
		if !ok {
			t.Fatalf("the edit of %s found no such file under %v", edits[i].file, dirs)
		}
	}
	return load(t, root)
}

// The catalogue's fast path (issue 15): the deployer writes <environment>/catalogue/*, the
// migrator role reads it, and neither grant may be wider. Each widened variant of the real
// modules fails its check, naming what got through.
func TestCatalogueGrantsFailWhenWidened(t *testing.T) {
	for _, c := range []struct {
		name   string
		module string
		check  func(*Tree) []string
		edits  []edit
		want   string
	}{
		{"the migrator reads the whole state bucket", "service", CheckServiceRoles,
			[]edit{{"main.tf", `s3:::${statement.value}/${var.catalogue_prefix}*"]`, `s3:::${statement.value}/*"]`, 1}},
			`the migrator role may s3:GetObject on arn:aws:s3:::acme-tfstate/prod/service.tfstate, allowed by statement "ReadPublishedCatalogue"`},
		{"the migrator reads every environment's catalogue", "service", CheckServiceRoles,
			[]edit{{"main.tf", `s3:::${statement.value}/${var.catalogue_prefix}*"]`, `s3:::${statement.value}/*/catalogue/*"]`, 1}},
			`the migrator role may s3:GetObject on arn:aws:s3:::acme-tfstate/staging/catalogue/`},
		{"the migrator writes the catalogue", "service", CheckServiceRoles,
			[]edit{{"main.tf", `actions   = ["s3:GetObject"]`, `actions   = ["s3:GetObject", "s3:PutObject"]`, 1}},
			`the migrator role may s3:PutObject on arn:aws:s3:::acme-tfstate/prod/catalogue/`},
		{"the task role gets the catalogue", "service", CheckServiceRoles,
			[]edit{{"main.tf", `  statement {
    sid       = "ReadMasterSecret"`, `  statement {
    sid       = "ReadCatalogueToo"
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadMasterSecret"`, 1}},
			`the migrator role may s3:GetObject on arn:aws:s3:::acme-tfstate/prod/service.tfstate`},
		{"no grant: load-catalogue cannot read", "service", CheckServiceRoles,
			[]edit{{"main.tf", `for_each = var.catalogue_bucket_name == "" ? [] : [var.catalogue_bucket_name]`, `for_each = []`, 1}},
			`the migrator role needs s3:GetObject on arn:aws:s3:::acme-tfstate/prod/catalogue/`},
		{"the deployer writes the whole environment folder", "base", CheckCIRoles,
			[]edit{{"deployer.tf", `s3:::${var.state_bucket_name}/${var.environment}/catalogue/*"]`, `s3:::${var.state_bucket_name}/${var.environment}/*"]`, 1}},
			`the deployer role may s3:PutObject on arn:aws:s3:::acme-tfstate/prod/base.tfstate`},
		{"the deployer writes every environment's catalogue", "base", CheckCIRoles,
			[]edit{{"deployer.tf", `s3:::${var.state_bucket_name}/${var.environment}/catalogue/*"]`, `s3:::${var.state_bucket_name}/*/catalogue/*"]`, 1}},
			`the deployer role may s3:PutObject on arn:aws:s3:::acme-tfstate/staging/catalogue/0123abcd.json`},
	} {
		t.Run(c.name, func(t *testing.T) {
			findings := c.check(brokenModule(t, c.module, c.edits))
			for _, f := range findings {
				if strings.Contains(f, c.want) {
					return
				}
			}
			t.Fatalf("no finding contains %q; got %d:\n  %s", c.want, len(findings), strings.Join(findings, "\n  "))
		})
	}
}
