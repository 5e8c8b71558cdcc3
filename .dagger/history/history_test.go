package history

import (
	"strings"
	"testing"
	"time"
)

func rec(id, kind, outcome, image, index string) Record {
	return Record{ID: id, Kind: kind, Outcome: outcome, Image: image, Site: Site{IndexVersionID: index}, Environment: "prod"}
}

func TestIDsSortByTime(t *testing.T) {
	a := NewID(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	b := NewID(time.Date(2026, 12, 3, 11, 0, 0, 0, time.FixedZone("x", 3600))) // 10:00 UTC
	if !(a < b) || !strings.HasPrefix(a, "20261203T090000Z-") {
		t.Fatalf("%s, %s", a, b)
	}
	if Key("prod", a) != "prod/history/"+a+".json" {
		t.Fatal(Key("prod", a))
	}
}

func TestEncodeDecode(t *testing.T) {
	r := rec("20261203T090000Z-aaaa", KindDeploy, Succeeded, "r/x@sha256:1", "v1")
	r.Stages = []Stage{{Name: "freeze", Status: "succeeded", Detail: "no freeze"}}
	r.Plans = map[string]Plan{"base": {Summary: "+0 ~0 -0"}}
	b, err := Encode(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode("x", b)
	if err != nil || got.ID != r.ID || got.Stages[0].Detail != "no freeze" || got.Plans["base"].Summary != "+0 ~0 -0" {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := Decode("prod/history/bad.json", []byte(`{"kind":"deploy"}`)); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Fatalf("record without id: %v", err)
	}
}

func TestRollbackTargetIsTheDeployBeforeTheRunningOne(t *testing.T) {
	rs := []Record{
		rec("1", KindDeploy, Succeeded, "img@sha256:a", "v1"),
		rec("2", KindDeploy, Succeeded, "img@sha256:b", "v2"),
		rec("3", KindDeploy, Failed, "img@sha256:c", ""),
		rec("4", KindDeploy, Succeeded, "img@sha256:c", "v3"),
	}
	target, current, err := RollbackTarget(rs, "")
	if err != nil || target.ID != "2" || current.ID != "4" {
		t.Fatalf("target %s current %s: %v", target.ID, current.ID, err)
	}
	// After rolling back to 2, the running state is 2's; another rollback
	// goes to 1, not "back" to 4 nor to 2 again.
	// The rollback restored 2's index.html as a new version with 2's bytes.
	rb := rec("5", KindRollback, Succeeded, "img@sha256:b", "v5")
	rb.RollbackTo = "2"
	rb.Site.IndexETag, rs[1].Site.IndexETag = "etag-2", "etag-2"
	rs = append(rs, rb)
	target, current, err = RollbackTarget(rs, "")
	if err != nil || target.ID != "1" || current.ID != "5" {
		t.Fatalf("second rollback: target %s current %s: %v", target.ID, current.ID, err)
	}
	if target, _, err = RollbackTarget(rs, "4"); err != nil || target.ID != "4" {
		t.Fatalf("--to=4: %s %v", target.ID, err)
	}
}

func TestRollbackTargetErrorsNameTheRecord(t *testing.T) {
	rs := []Record{
		rec("1", KindDeploy, Succeeded, "img@sha256:a", ""),
		rec("2", KindDeploy, Failed, "img@sha256:b", "v2"),
		rec("3", KindDeploy, Succeeded, "img@sha256:c", "v3"),
	}
	rs[1].FailedStage = "smoke-test"
	for _, c := range []struct{ to, want string }{
		{"2", "record 2 failed (at stage smoke-test)"},
		{"1", "record 1 has no index.html version"},
		{"9", `no record "9"`},
	} {
		if _, _, err := RollbackTarget(rs, c.to); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("--to=%s: %v, want %q", c.to, err, c.want)
		}
	}
	if _, _, err := RollbackTarget(nil, ""); err == nil || !strings.Contains(err.Error(), "no successful deploy") {
		t.Errorf("empty history: %v", err)
	}
	if _, _, err := RollbackTarget(rs[2:], ""); err == nil || !strings.Contains(err.Error(), "no successful deploy before 3") {
		t.Errorf("one deploy: %v", err)
	}
}

func TestTable(t *testing.T) {
	a := rec("20261203T090000Z-aaaa", KindDeploy, Succeeded, "r/x@sha256:0123456789abcdef", "v1")
	a.CISubject = "arn:aws:sts::1:assumed-role/deployer/gha"
	b := rec("20261203T230500Z-bbbb", KindDeploy, Succeeded, "r/x@sha256:fedcba9876543210", "v2")
	b.BreakGlass = "checkout 500s"
	out := Table([]Record{a, b}, 0)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], b.ID) || !strings.Contains(lines[1], "break glass: checkout 500s") ||
		!strings.Contains(lines[2], "sha256:0123456789ab ") || !strings.Contains(lines[2], "by arn:aws:sts::1:assumed-role/deployer/gha") {
		t.Fatalf("table:\n%s", out)
	}
	if out := Table([]Record{a, b}, 1); !strings.Contains(out, "… and 1 older") {
		t.Fatalf("limited table:\n%s", out)
	}
}

func TestUnchanged(t *testing.T) {
	last := rec("7", KindDeploy, Succeeded, "i", "v")
	last.Plans = map[string]Plan{
		"base":    {Inputs: "in-1", StateVersion: "sv-1"},
		"network": {Inputs: "in-2", StateVersion: "sv-2", SkippedSince: "5"},
		"edge":    {Summary: "+1 ~0 -0"},
	}
	if since, ok := Unchanged(last, "base", "in-1", "sv-1"); !ok || since != "7" {
		t.Fatalf("base: %s %v", since, ok)
	}
	if since, ok := Unchanged(last, "network", "in-2", "sv-2"); !ok || since != "5" {
		t.Fatalf("network skipped since 5: %s %v", since, ok)
	}
	for _, c := range []struct{ stack, in, sv string }{
		{"base", "in-X", "sv-1"}, // code or inputs changed
		{"base", "in-1", "sv-9"}, // someone applied since
		{"edge", "", ""},         // nothing recorded
		{"data", "in", "sv"},     // not in the record
	} {
		if _, ok := Unchanged(last, c.stack, c.in, c.sv); ok {
			t.Errorf("%+v: skipped", c)
		}
	}
}
