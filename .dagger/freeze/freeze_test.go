package freeze

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var berlin = Settings{TimeZone: "Europe/Berlin", ScaleOut: "cron(40 23 * * ? *)", ScaleIn: "cron(30 1 * * ? *)"}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func windows(t *testing.T, s Settings, drops ...Drop) []Window {
	t.Helper()
	ws, err := Windows(s, drops)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func TestWindowAroundMidnight(t *testing.T) {
	ws := windows(t, berlin, Drop{ID: "nn-d1", Date: "2026-12-04", TimeZone: "Europe/Berlin"})
	if len(ws) != 1 {
		t.Fatalf("%d windows", len(ws))
	}
	// 23:40 less the 40 min lead, the evening before; to 01:30 of the drop's day (CET = UTC+1).
	if got, want := ws[0].Start.UTC(), at(t, "2026-12-03T22:00:00Z"); !got.Equal(want) {
		t.Errorf("start %s, want %s", got, want)
	}
	if got, want := ws[0].End.UTC(), at(t, "2026-12-04T00:30:00Z"); !got.Equal(want) {
		t.Errorf("end %s, want %s", got, want)
	}
	if s := ws[0].String(); s != "drop nn-d1 (2026-12-04): 2026-12-03 23:00 – 2026-12-04 01:30 Europe/Berlin" {
		t.Errorf("String() = %q", s)
	}
	for _, c := range []struct {
		now  string
		want bool
	}{
		{"2026-12-03T21:59:59Z", false},
		{"2026-12-03T22:00:00Z", true},
		{"2026-12-03T23:30:00Z", true},
		{"2026-12-04T00:29:59Z", true},
		{"2026-12-04T00:30:00Z", false},
		{"2026-12-04T22:30:00Z", false},
	} {
		if _, got := Active(ws, at(t, c.now)); got != c.want {
			t.Errorf("Active at %s = %v, want %v", c.now, got, c.want)
		}
	}
}

func TestDecide(t *testing.T) {
	ws := windows(t, berlin, Drop{ID: "nn-d1", Date: "2026-12-04", TimeZone: "Europe/Berlin"},
		Drop{ID: "nn-d2", Date: "2026-12-05", TimeZone: "Europe/Berlin"})
	in := at(t, "2026-12-04T23:10:00+01:00")

	d := Decide(ws, in, "")
	if d.Allowed || d.Window == nil || d.Window.Drop.ID != "nn-d2" {
		t.Fatalf("inside the window of nn-d2: %+v", d)
	}
	for _, want := range []string{"frozen", "nn-d2", "--break-glass"} {
		if !strings.Contains(d.Detail, want) {
			t.Errorf("refusal %q does not say %q", d.Detail, want)
		}
	}

	d = Decide(ws, in, "  hotfix: checkout 500s  ")
	if !d.Allowed || d.BreakGlass != "hotfix: checkout 500s" || !strings.Contains(d.Detail, "BREAK GLASS") || !strings.Contains(d.Detail, "hotfix: checkout 500s") {
		t.Fatalf("break glass: %+v", d)
	}

	d = Decide(ws, at(t, "2026-12-04T12:00:00+01:00"), "")
	if !d.Allowed || d.Window != nil || !strings.Contains(d.Detail, "next drop nn-d2") {
		t.Fatalf("midday: %+v", d)
	}
	d = Decide(ws, at(t, "2026-12-24T12:00:00+01:00"), "")
	if !d.Allowed || strings.Contains(d.Detail, "next") {
		t.Fatalf("after the event: %+v", d)
	}
}

func TestScheduleAndDropInDifferentZones(t *testing.T) {
	// Scaling in Seoul time, a catalogue whose midnight is Seoul's too, but
	// the schedule's scale-out after midnight: the window starts that day.
	s := Settings{TimeZone: "Asia/Seoul", ScaleOut: "cron(0 0 * * ? *)", ScaleIn: "cron(0 2 * * ? *)", Lead: -1}
	ws := windows(t, s, Drop{ID: "d", Date: "2026-12-04", TimeZone: "Asia/Seoul"})
	if got, want := ws[0].Start.UTC(), at(t, "2026-12-03T15:00:00Z"); !got.Equal(want) {
		t.Errorf("start %s, want %s (no lead, scale-out at midnight)", got, want)
	}
	if got, want := ws[0].End.UTC(), at(t, "2026-12-03T17:00:00Z"); !got.Equal(want) {
		t.Errorf("end %s, want %s", got, want)
	}
	// The catalogue in Berlin, the schedule in Seoul: the window brackets Berlin's midnight.
	s = Settings{TimeZone: "Asia/Seoul", ScaleOut: "cron(40 23 * * ? *)", ScaleIn: "cron(30 1 * * ? *)"}
	ws = windows(t, s, Drop{ID: "d", Date: "2026-12-04", TimeZone: "Europe/Berlin"})
	mid := at(t, "2026-12-03T23:00:00Z")
	if !ws[0].Contains(mid) {
		t.Errorf("window %s does not bracket Berlin's midnight", ws[0])
	}
	// From Seoul's last 23:40 before it (less the lead) to Seoul's first 01:30 after it.
	if got, want := ws[0].Start.UTC(), at(t, "2026-12-03T14:00:00Z"); !got.Equal(want) {
		t.Errorf("start %s, want %s", got, want)
	}
	if got, want := ws[0].End.UTC(), at(t, "2026-12-04T16:30:00Z"); !got.Equal(want) {
		t.Errorf("end %s, want %s", got, want)
	}
}

func TestBadSettingsAreNamed(t *testing.T) {
	for _, c := range []struct {
		s    Settings
		want string
	}{
		{Settings{TimeZone: "Mars/Olympus", ScaleOut: berlin.ScaleOut, ScaleIn: berlin.ScaleIn}, "event_time_zone"},
		{Settings{TimeZone: "UTC", ScaleOut: "cron(40 23 ? * MON-FRI *)", ScaleIn: berlin.ScaleIn}, "scale_out_schedule"},
		{Settings{TimeZone: "UTC", ScaleOut: berlin.ScaleOut, ScaleIn: "rate(5 minutes)"}, "scale_in_schedule"},
		{Settings{TimeZone: "UTC", ScaleOut: "cron(0/5 23 * * ? *)", ScaleIn: berlin.ScaleIn}, "single daily time"},
	} {
		_, err := Windows(c.s, []Drop{{ID: "d", Date: "2026-12-04"}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %q", c.s, err, c.want)
		}
	}
	if _, err := Windows(berlin, []Drop{{ID: "d7", Date: "4.12.2026"}}); err == nil || !strings.Contains(err.Error(), "drop d7") {
		t.Errorf("bad date: %v", err)
	}
	_, err := SettingsFrom(map[string]any{"event_time_zone": "UTC", "scale_out_schedule": "cron(40 23 * * ? *)"})
	if err == nil || !strings.Contains(err.Error(), "scale_in_schedule") {
		t.Errorf("missing key: %v", err)
	}
	_, err = SettingsFrom(map[string]any{"event_time_zone": "UTC", "scale_out_schedule": "x", "scale_in_schedule": "y", "freeze_lead_minutes": "soon"})
	if err == nil || !strings.Contains(err.Error(), "freeze_lead_minutes") {
		t.Errorf("bad lead: %v", err)
	}
}

func TestDropsFromPicksTheEvent(t *testing.T) {
	files := map[string][]byte{
		"a.json": []byte(`{"event":{"id":"a","timeZone":"UTC"},"drops":[{"id":"a1","date":"2026-01-01"}]}`),
		"b.json": []byte(`{"event":{"id":"b","timeZone":"UTC"},"drops":[{"id":"b1","date":"2026-01-02"},{"id":"b2","date":"2026-01-03"}]}`),
	}
	d, err := DropsFrom("b", files)
	if err != nil || len(d) != 2 || d[0].ID != "b1" || d[1].TimeZone != "UTC" {
		t.Fatalf("%+v %v", d, err)
	}
	if _, err := DropsFrom("b", map[string][]byte{"x.json": []byte("{")}); err == nil || !strings.Contains(err.Error(), "x.json") {
		t.Fatalf("broken catalogue: %v", err)
	}
}

func TestMergeWarning(t *testing.T) {
	ws := windows(t, berlin, Drop{ID: "nn-d1", Date: "2026-12-04", TimeZone: "Europe/Berlin"})
	if w := MergeWarning(ws, at(t, "2026-12-03T20:00:00+01:00"), 15*time.Minute); w != "" {
		t.Errorf("20:00: %q", w)
	}
	if w := MergeWarning(ws, at(t, "2026-12-03T22:50:00+01:00"), 15*time.Minute); !strings.Contains(w, "starts in 10m") {
		t.Errorf("22:50: %q", w)
	}
	if w := MergeWarning(ws, at(t, "2026-12-03T23:50:00+01:00"), 15*time.Minute); !strings.Contains(w, "Deploy freeze now") {
		t.Errorf("23:50: %q", w)
	}
}

// The repository's own data gives one window per drop of the environment's event.
func TestRepositoryData(t *testing.T) {
	var env map[string]any
	b, err := os.ReadFile("../../terraform/environments/defaults.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	s, err := SettingsFrom(env)
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob("../../backend/catalog/*.json")
	files := map[string][]byte{}
	for _, p := range paths {
		if files[filepath.Base(p)], err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	drops, err := DropsFrom(env["event_name"].(string), files)
	if err != nil || len(drops) == 0 {
		t.Fatalf("drops of %v: %v %v", env["event_name"], drops, err)
	}
	ws, err := Windows(s, drops)
	if err != nil || len(ws) != len(drops) {
		t.Fatalf("%d windows for %d drops: %v", len(ws), len(drops), err)
	}
	for _, w := range ws {
		if d := w.End.Sub(w.Start); d <= 0 || d > 12*time.Hour {
			t.Errorf("%s lasts %s", w, d)
		}
	}
}
