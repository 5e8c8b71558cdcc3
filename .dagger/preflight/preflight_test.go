package preflight

import (
	"strings"
	"testing"
	"time"

	"dagger/eventmall/drift"
	"dagger/eventmall/freeze"
)

var catalogue = map[string][]byte{"nn.json": []byte(`{"event":{"id":"nn","timeZone":"Europe/Berlin"},"drops":[
 {"id":"d1","date":"2026-12-04","products":[{"id":"p1","name":"Hoodie"},{"id":"p2","name":"Cap"}]},
 {"id":"d2","date":"2026-12-05","products":[]}]}`)}

func TestExpectedDrop(t *testing.T) {
	e, l := ExpectedDrop("nn", "2026-12-04", catalogue)
	if !l.Go || e.Drop.ID != "d1" || !e.StartsAt.Equal(time.Date(2026, 12, 3, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v %+v", e, l)
	}
	if _, l := ExpectedDrop("nn", "2026-12-05", catalogue); l.Go || !strings.Contains(l.Detail, "no products") {
		t.Fatalf("%+v", l)
	}
	if _, l := ExpectedDrop("nn", "2026-12-25", catalogue); l.Go || l.Detail != "no drop dated 2026-12-25 for event nn in backend/catalog" {
		t.Fatalf("%+v", l)
	}
}

func TestVisible(t *testing.T) {
	e, _ := ExpectedDrop("nn", "2026-12-04", catalogue)
	u := "https://shop/api/drops/current"
	for _, c := range []struct {
		status int
		body   string
		ok     bool
		want   string
	}{
		{200, `{"drop":null,"nextDropAt":"2026-12-03T23:00:00.000Z"}`, true, "counts down to 2026-12-04T00:00:00+01:00"},
		{200, `{"drop":{"id":"d1","products":[{"id":"p2"},{"id":"p1"}]},"nextDropAt":null}`, true, "live"},
		{200, `{"drop":{"id":"d1","products":[{"id":"p1"}]},"nextDropAt":null}`, false, "products [p1], the catalogue has [p1 p2]"},
		{200, `{"drop":{"id":"d0","products":[]},"nextDropAt":"2026-12-04T23:00:00.000Z"}`, false, "shows live drop d0, next at 2026-12-04T23:00:00Z"},
		{503, `{}`, false, "answered 503"},
	} {
		l := Visible(e, u, c.status, []byte(c.body))
		if l.Go != c.ok || !strings.Contains(l.Detail, c.want) {
			t.Errorf("%s: %+v, want go=%v and %q", c.body, l, c.ok, c.want)
		}
	}
}

func TestTableAndLines(t *testing.T) {
	e, _ := ExpectedDrop("nn", "2026-12-04", catalogue)
	ws, _ := freeze.Windows(freeze.Settings{TimeZone: "Europe/Berlin", ScaleOut: "cron(40 23 * * ? *)", ScaleIn: "cron(30 1 * * ? *)"}, []freeze.Drop{e.Drop})
	if l := Freeze(ws, e); !l.Go {
		t.Fatalf("%+v", l)
	}
	if l := Freeze(nil, e); l.Go {
		t.Fatalf("%+v", l)
	}
	fs := []drift.Finding{{Area: "scaling", What: "no scheduled action at x"}, {Area: "ecs", What: "PRIMARY runs a:1"}, {Area: "site", What: "index.html differs"}}
	scaling, running, other := Split(fs, "service")
	if len(scaling) != 1 || len(running) != 1 || len(other) != 1 {
		t.Fatalf("%v %v %v", scaling, running, other)
	}
	if l := Alarm("arn:t", []Subscription{{"email", "a@x", "PendingConfirmation"}}); l.Go || !strings.Contains(l.Detail, "pending: email:a@x") {
		t.Fatalf("%+v", l)
	}
	if l := Alarm("arn:t", []Subscription{{"email", "a@x", "arn:aws:sns:r:1:t:1"}}); !l.Go {
		t.Fatalf("%+v", l)
	}
	tab := Table{{"a", true, "fine"}, FromFindings("no drift", "none", other), Locks([]string{"b/rehearsal/edge.tfstate"})}
	out := tab.Render("preflight prod drop 2026-12-04")
	if tab.Go() || !strings.HasPrefix(out, "preflight prod drop 2026-12-04: NO-GO (no drift, no deploy lock)\n") ||
		!strings.Contains(out, "NO-GO  no drift           site: index.html differs") || !strings.Contains(out, "held: b/rehearsal/edge.tfstate") {
		t.Fatalf("%s", out)
	}
	if !(Table{{"a", true, ""}}).Go() || (Table{}).Go() {
		t.Fatal("Go()")
	}
}

func TestTonightIsTheNextMidnightsDrop(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 12, 3, 21, 0, 0, 0, time.UTC), "2026-12-04"},  // 22:00 in Berlin
		{time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC), "2026-12-05"}, // 00:30 on the 4th in Berlin: the next midnight is the 5th's
		{time.Date(2026, 12, 31, 22, 59, 0, 0, time.UTC), "2027-01-01"},
	} {
		if got, err := Tonight(c.now, "Europe/Berlin"); err != nil || got != c.want {
			t.Errorf("Tonight(%s) = %s %v, want %s", c.now, got, err, c.want)
		}
	}
	if _, err := Tonight(time.Now(), "Mars/Olympus"); err == nil {
		t.Error("an unknown zone passed")
	}
}
