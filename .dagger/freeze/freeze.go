// Package freeze computes when deploys are frozen during an event: around
// each drop's midnight, from the scheduled scale-out before it until the
// scale-in after the rush, with a lead before the scale-out (a deploy takes a
// while). Everything it needs is data the repository already has: the
// environment's time zone and scaling schedule (terraform/environments) and
// the catalogue's drop dates (backend/catalog). The clock is the caller's.
package freeze

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultLead is how long before the scale-out a freeze starts: a deploy
// started then is still running at midnight (docs/operating.md: "from about
// 23:00" with the default scale-out at 23:40).
const DefaultLead = 40 * time.Minute

// Settings are the environment's values the windows are computed from.
type Settings struct {
	// IANA zone of the scaling schedule (event_time_zone).
	TimeZone string
	// Application Auto Scaling cron expressions (scale_out_schedule,
	// scale_in_schedule), daily times in TimeZone.
	ScaleOut, ScaleIn string
	// Lead before the scale-out; 0 means DefaultLead.
	Lead time.Duration
}

// Drop is one drop of a catalogue: it goes live at 00:00 of Date in the
// catalogue's time zone.
type Drop struct {
	Event    string
	ID       string
	Date     string // YYYY-MM-DD
	TimeZone string
}

// Window is a frozen interval around one drop's midnight.
type Window struct {
	Drop  Drop
	Start time.Time
	End   time.Time
}

// String names the window in the event's zone, e.g.
// "drop nn-d1 (2026-12-04): 2026-12-03 23:00 – 2026-12-04 01:30 Europe/Berlin".
func (w Window) String() string {
	loc := w.Start.Location()
	return fmt.Sprintf("drop %s (%s): %s – %s %s", w.Drop.ID, w.Drop.Date,
		w.Start.Format("2006-01-02 15:04"), w.End.In(loc).Format("2006-01-02 15:04"), loc)
}

// Contains reports whether t is inside the window (start inclusive, end exclusive).
func (w Window) Contains(t time.Time) bool { return !t.Before(w.Start) && t.Before(w.End) }

// SettingsFrom reads the freeze settings from the environment's merged
// settings (terraform/environments/defaults.json and <environment>.json).
// A missing or malformed value is an error naming the key.
func SettingsFrom(env map[string]any) (Settings, error) {
	str := func(key string) (string, error) {
		v, ok := env[key]
		if !ok {
			return "", fmt.Errorf("freeze: terraform/environments sets no %s (needed to compute the freeze windows)", key)
		}
		s, ok := v.(string)
		if !ok || s == "" {
			return "", fmt.Errorf("freeze: terraform/environments %s must be a non-empty string, got %v", key, v)
		}
		return s, nil
	}
	var s Settings
	var err error
	if s.TimeZone, err = str("event_time_zone"); err != nil {
		return s, err
	}
	if s.ScaleOut, err = str("scale_out_schedule"); err != nil {
		return s, err
	}
	if s.ScaleIn, err = str("scale_in_schedule"); err != nil {
		return s, err
	}
	if v, ok := env["freeze_lead_minutes"]; ok {
		n, ok := v.(float64)
		if !ok || n < 0 || n != float64(int(n)) {
			return s, fmt.Errorf("freeze: terraform/environments freeze_lead_minutes must be a whole number of minutes ≥ 0, got %v", v)
		}
		s.Lead = time.Duration(n) * time.Minute
		if n == 0 {
			s.Lead = -1 // explicitly none
		}
	}
	return s, nil
}

// DropsFrom reads the drops of event from catalogue files (name → JSON, as
// in backend/catalog). Files of other events are ignored.
func DropsFrom(event string, files map[string][]byte) ([]Drop, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var drops []Drop
	for _, name := range names {
		var doc struct {
			Event struct {
				ID       string `json:"id"`
				TimeZone string `json:"timeZone"`
			} `json:"event"`
			Drops []struct {
				ID   string `json:"id"`
				Date string `json:"date"`
			} `json:"drops"`
		}
		if err := json.Unmarshal(files[name], &doc); err != nil {
			return nil, fmt.Errorf("freeze: catalogue %s: %w", name, err)
		}
		if doc.Event.ID != event {
			continue
		}
		for _, d := range doc.Drops {
			drops = append(drops, Drop{Event: doc.Event.ID, ID: d.ID, Date: d.Date, TimeZone: doc.Event.TimeZone})
		}
	}
	return drops, nil
}

// DailyTime parses a daily Application Auto Scaling cron expression,
// cron(Minutes Hours * * ? *), into its hour and minute. Anything else is an
// error: a freeze window needs one time a day.
func DailyTime(expr string) (hour, minute int, err error) {
	inner, ok := strings.CutPrefix(strings.TrimSpace(expr), "cron(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	f := strings.Fields(inner)
	if !ok || len(f) != 6 {
		return 0, 0, fmt.Errorf("%q is not a cron(Minutes Hours Day Month Weekday Year) expression", expr)
	}
	for i, v := range f[2:] {
		if v != "*" && v != "?" {
			return 0, 0, fmt.Errorf("%q is not a daily schedule (field %d is %q, want * or ?)", expr, i+3, v)
		}
	}
	minute, err1 := strconv.Atoi(f[0])
	hour, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || minute < 0 || minute > 59 || hour < 0 || hour > 23 {
		return 0, 0, fmt.Errorf("%q is not a single daily time (minutes %q, hours %q)", expr, f[0], f[1])
	}
	return hour, minute, nil
}

// Windows computes one window per drop: from the last scale-out at or
// before the drop's midnight, less the lead, to the first scale-in after it.
// Sorted by start.
func Windows(s Settings, drops []Drop) ([]Window, error) {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("freeze: event_time_zone %q: %w", s.TimeZone, err)
	}
	oh, om, err := DailyTime(s.ScaleOut)
	if err != nil {
		return nil, fmt.Errorf("freeze: scale_out_schedule: %w", err)
	}
	ih, im, err := DailyTime(s.ScaleIn)
	if err != nil {
		return nil, fmt.Errorf("freeze: scale_in_schedule: %w", err)
	}
	lead := s.Lead
	switch {
	case lead == 0:
		lead = DefaultLead
	case lead < 0:
		lead = 0
	}
	var out []Window
	for _, d := range drops {
		zone := loc
		if d.TimeZone != "" {
			if zone, err = time.LoadLocation(d.TimeZone); err != nil {
				return nil, fmt.Errorf("freeze: catalogue of %s: timeZone %q: %w", d.Event, d.TimeZone, err)
			}
		}
		day, err := time.ParseInLocation("2006-01-02", d.Date, zone)
		if err != nil {
			return nil, fmt.Errorf("freeze: drop %s: date %q: %w", d.ID, d.Date, err)
		}
		midnight := day // 00:00 of the drop's date in the catalogue's zone
		local := midnight.In(loc)
		out1 := time.Date(local.Year(), local.Month(), local.Day(), oh, om, 0, 0, loc)
		if out1.After(midnight) {
			out1 = out1.AddDate(0, 0, -1)
		}
		in1 := time.Date(local.Year(), local.Month(), local.Day(), ih, im, 0, 0, loc)
		if !in1.After(midnight) {
			in1 = in1.AddDate(0, 0, 1)
		}
		out = append(out, Window{Drop: d, Start: out1.Add(-lead), End: in1})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// Active returns the window holding now, if any.
func Active(ws []Window, now time.Time) (Window, bool) {
	for _, w := range ws {
		if w.Contains(now) {
			return w, true
		}
	}
	return Window{}, false
}

// Next returns the first window that has not ended by now (it may be active).
func Next(ws []Window, now time.Time) (Window, bool) {
	for _, w := range ws {
		if now.Before(w.End) {
			return w, true
		}
	}
	return Window{}, false
}

// Decision is the freeze stage's verdict on a deploy at a time.
type Decision struct {
	// Allowed: the deploy may go on.
	Allowed bool
	// Window is the active window, when there is one.
	Window *Window
	// BreakGlass is the reason given to deploy inside a window anyway.
	BreakGlass string
	// Detail is the one line the report and Slack show.
	Detail string
}

// Decide says whether a deploy at now may run. Inside a window it is
// refused unless breakGlass gives a reason, which the detail repeats.
func Decide(ws []Window, now time.Time, breakGlass string) Decision {
	breakGlass = strings.TrimSpace(breakGlass)
	w, in := Active(ws, now)
	if !in {
		d := Decision{Allowed: true, Detail: "no freeze at " + stamp(now, ws)}
		if n, ok := Next(ws, now); ok {
			d.Detail += "; next " + n.String()
		}
		if breakGlass != "" {
			d.Detail += " (break-glass not needed)"
		}
		return d
	}
	if breakGlass != "" {
		return Decision{Allowed: true, Window: &w, BreakGlass: breakGlass,
			Detail: fmt.Sprintf("BREAK GLASS inside freeze %s: %s", w, breakGlass)}
	}
	return Decision{Allowed: false, Window: &w,
		Detail: fmt.Sprintf("deploys are frozen at %s: %s; deploy after the freeze, roll back, or pass --break-glass=\"reason\"", stamp(now, ws), w)}
}

// MergeWarning is the line a pull request's plan summary carries when a
// deploy started now (taking about deployTakes) would run into a freeze;
// empty when it would not.
func MergeWarning(ws []Window, now time.Time, deployTakes time.Duration) string {
	if w, ok := Active(ws, now); ok {
		return fmt.Sprintf(":warning: **Deploy freeze now** (%s): merging now deploys into the freeze; the deploy will refuse without `--break-glass`.", w)
	}
	end := now.Add(deployTakes)
	for _, w := range ws {
		if w.Start.Before(end) && now.Before(w.Start) {
			return fmt.Sprintf(":warning: **A deploy freeze starts in %s** (%s): a deploy started now may run into it.", w.Start.Sub(now).Round(time.Minute), w)
		}
	}
	return ""
}

func stamp(t time.Time, ws []Window) string {
	if len(ws) > 0 {
		t = t.In(ws[0].Start.Location())
	}
	return t.Format("2006-01-02 15:04 MST")
}
