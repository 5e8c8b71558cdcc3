package tfplan

import (
	"strings"
	"testing"
)

const planJSON = `{
  "format_version": "1.2",
  "resource_changes": [
    {"address": "terraform_data.b", "change": {"actions": ["create"]}},
    {"address": "terraform_data.a", "change": {"actions": ["update"]}},
    {"address": "terraform_data.r", "change": {"actions": ["delete", "create"]}},
    {"address": "terraform_data.gone", "change": {"actions": ["delete"]}},
    {"address": "terraform_data.same", "change": {"actions": ["no-op"]}},
    {"address": "data.x.y", "change": {"actions": ["read"]}}
  ],
  "output_changes": {
    "site_url": {"actions": ["update"]},
    "unchanged": {"actions": ["no-op"]}
  }
}`

func TestParseCountsLikeTerraform(t *testing.T) {
	s, err := Parse([]byte(planJSON))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Short(); got != "+2 ~1 -2" {
		t.Fatalf("Short() = %q, want +2 ~1 -2", got)
	}
	if len(s.Changes) != 4 || s.Changes[0].Address != "terraform_data.a" {
		t.Fatalf("changes = %+v", s.Changes)
	}
	if len(s.OutputsChanged) != 1 || s.OutputsChanged[0] != "site_url" {
		t.Fatalf("outputs = %v", s.OutputsChanged)
	}
	md := s.Markdown("edge", 2)
	for _, want := range []string{"### `edge`: +2 ~1 -2", "`~` terraform_data.a", "… and 2 more", "outputs changed: site_url"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestNoChanges(t *testing.T) {
	s, err := Parse([]byte(`{"format_version":"1.2","resource_changes":[{"address":"a.b","change":{"actions":["no-op"]}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.HasChanges() || !strings.Contains(s.Markdown("base", 0), "no changes") {
		t.Fatalf("expected no changes: %+v", s)
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	if _, err := Parse([]byte("Error: not json")); err == nil {
		t.Fatal("expected an error")
	}
}
