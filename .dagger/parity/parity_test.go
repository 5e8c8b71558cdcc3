package parity

import (
	"fmt"
	"strings"
	"testing"
)

// plan builds `terraform show -json` of a plan with one terraform_data
// update and one create whose id is known only after apply.
func plan(image string, rush int, secret string) []byte {
	return []byte(fmt.Sprintf(`{
  "format_version": "1.2", "terraform_version": "1.5.7",
  "resource_changes": [
    {"address": "terraform_data.stack", "mode": "managed", "type": "terraform_data", "name": "stack",
     "change": {"actions": ["update"],
       "before": {"input": {"image": "old", "rush_min_capacity": 8}},
       "after": {"input": {"image": %q, "rush_min_capacity": %d, "password": %q}},
       "after_unknown": {"output": true},
       "after_sensitive": {"input": {"password": true}}}},
    {"address": "terraform_data.created", "mode": "managed", "type": "terraform_data", "name": "created",
     "change": {"actions": ["create"], "before": null, "after": {"input": "x"}, "after_unknown": {"id": true}, "after_sensitive": {}}},
    {"address": "terraform_data.same", "mode": "managed", "type": "terraform_data", "name": "same",
     "change": {"actions": ["no-op"], "before": {"input": 1}, "after": {"input": 1}, "after_unknown": {}, "after_sensitive": {}}},
    {"address": "data.terraform_remote_state.x", "mode": "data", "type": "terraform_remote_state", "name": "x",
     "change": {"actions": ["read"], "before": null, "after": {}, "after_unknown": {"outputs": true}, "after_sensitive": {}}}
  ]
}`, "repo/backend"+image, rush, secret))
}

const placeholder = "repo/backend@sha256:0000"

func fp(t *testing.T, b []byte, vol ...string) Fingerprint {
	t.Helper()
	f, err := FromPlan("service", b, vol...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFingerprintSkipsNoOpsAndReads(t *testing.T) {
	f := fp(t, plan("@sha256:0000", 8, "s"))
	if len(f.Changes) != 2 || f.Changes[0].Address != "terraform_data.created" || f.Changes[1].Actions != "update" {
		t.Fatalf("%+v", f.Changes)
	}
}

func TestSamePlanMatches(t *testing.T) {
	// The plan on the PR used a placeholder digest; the deploy the pushed one.
	rv := &Reviewed{Revision: "abc", Stacks: map[string]Fingerprint{"service": fp(t, plan("@sha256:0000", 8, "s"), placeholder)}}
	fresh := fp(t, plan("@sha256:feed", 8, "s"), "repo/backend@sha256:feed")
	v := Check(rv, fresh, false)
	if v.Stop || v.Accepted || !strings.Contains(v.Detail, "matches the reviewed plan of abc (2 changes)") {
		t.Fatalf("%+v", v)
	}
}

func TestChangedValueStopsNamingTheAddress(t *testing.T) {
	rv := &Reviewed{Revision: "abc", Stacks: map[string]Fingerprint{"service": fp(t, plan("@sha256:0000", 8, "s"), placeholder)}}
	fresh := fp(t, plan("@sha256:feed", 12, "s"), "repo/backend@sha256:feed")
	v := Check(rv, fresh, false)
	if !v.Stop || !strings.Contains(v.Detail, "terraform_data.stack: update with other values than reviewed") || strings.Contains(v.Detail, "created") {
		t.Fatalf("%+v", v)
	}
	if !strings.Contains(v.Detail, "--accept-new-plan") {
		t.Fatalf("no way forward named: %s", v.Detail)
	}
	v = Check(rv, fresh, true)
	if v.Stop || !v.Accepted || !strings.Contains(v.Detail, "accepted") {
		t.Fatalf("accepted: %+v", v)
	}
}

func TestSensitiveValuesAreMasked(t *testing.T) {
	a := fp(t, plan("@sha256:0000", 8, "hunter2"))
	b := fp(t, plan("@sha256:0000", 8, "correct-horse"))
	if a.Sum() != b.Sum() {
		t.Fatal("a sensitive value changed the fingerprint; it must be masked (and never stored)")
	}
	if c := fp(t, plan("@sha256:0000", 9, "hunter2")); c.Sum() == a.Sum() {
		t.Fatal("a known value's change did not change the fingerprint")
	}
}

func TestNewAndVanishedAddresses(t *testing.T) {
	reviewed := Fingerprint{Stack: "edge", Changes: []Change{{"a", "update", "1"}, {"b", "create", "2"}}}
	fresh := Fingerprint{Stack: "edge", Changes: []Change{{"a", "delete,create", "1"}, {"c", "delete", "3"}}}
	var got []string
	for _, d := range Compare(reviewed, fresh) {
		got = append(got, fmt.Sprintf("%v %s", d.Blocking, d))
	}
	want := []string{
		"true a: reviewed update, planned now delete,create",
		"true c: delete planned now, not in the reviewed plan",
		"false b: reviewed create, no longer planned",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Less than reviewed is noted, not a stop.
	v := Check(&Reviewed{Revision: "r", Stacks: map[string]Fingerprint{"edge": reviewed}},
		Fingerprint{Stack: "edge", Changes: []Change{{"a", "update", "1"}}}, false)
	if v.Stop || !strings.Contains(v.Detail, "b: reviewed create, no longer planned") {
		t.Fatalf("%+v", v)
	}
}

func TestNothingReviewed(t *testing.T) {
	if v := Check(nil, Fingerprint{Stack: "base"}, false); v.Stop || !strings.Contains(v.Detail, "no reviewed plan") {
		t.Fatalf("%+v", v)
	}
	v := Check(&Reviewed{Revision: "r", Stacks: map[string]Fingerprint{}, Waiting: []string{"service"}}, Fingerprint{Stack: "service", Changes: []Change{{"x", "create", "1"}}}, false)
	if v.Stop || !strings.Contains(v.Detail, "not in the reviewed plan of r") {
		t.Fatalf("%+v", v)
	}
	if _, err := FromPlan("base", []byte("{")); err == nil || !strings.Contains(err.Error(), "plan of base") {
		t.Fatalf("bad JSON: %v", err)
	}
}
