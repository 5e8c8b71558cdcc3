// Package preflight is the go/no-go check before a drop's midnight: each
// line of the readiness list in docs/operating.md as a decision over facts
// the effectful side gathered (the catalogue, the public API's answer, the
// scheduled actions, the alarm topic's subscribers, state locks, the freeze
// windows, drift). The table goes to Slack; any no-go fails the call.
package preflight

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"dagger/eventmall/drift"
	"dagger/eventmall/freeze"
)

// Line is one check.
type Line struct {
	Check  string
	Go     bool
	Detail string
}

// Table is the whole preflight.
type Table []Line

// Go is true when every line is go.
func (t Table) Go() bool {
	for _, l := range t {
		if !l.Go {
			return false
		}
	}
	return len(t) > 0
}

// NoGo lists the checks that failed.
func (t Table) NoGo() []string {
	var out []string
	for _, l := range t {
		if !l.Go {
			out = append(out, l.Check)
		}
	}
	return out
}

// Render is the table for a terminal and Slack.
func (t Table) Render(title string) string {
	var b strings.Builder
	verdict := "GO"
	if !t.Go() {
		verdict = "NO-GO (" + strings.Join(t.NoGo(), ", ") + ")"
	}
	fmt.Fprintf(&b, "%s: %s\n", title, verdict)
	for _, l := range t {
		mark := "go   "
		if !l.Go {
			mark = "NO-GO"
		}
		fmt.Fprintf(&b, "%-5s  %-18s %s\n", mark, l.Check, l.Detail)
	}
	return b.String()
}

// Product is what the catalogue says a drop sells.
type Product struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Expected is the drop of a date in the environment's event catalogue.
type Expected struct {
	Drop     freeze.Drop
	Products []Product
	StartsAt time.Time
}

// ExpectedDrop finds the drop of date in the event's catalogue files.
func ExpectedDrop(event, date string, files map[string][]byte) (Expected, Line) {
	check := "drop in catalogue"
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		var doc struct {
			Event struct {
				ID       string `json:"id"`
				TimeZone string `json:"timeZone"`
			} `json:"event"`
			Drops []struct {
				ID       string    `json:"id"`
				Date     string    `json:"date"`
				Products []Product `json:"products"`
			} `json:"drops"`
		}
		if err := json.Unmarshal(files[name], &doc); err != nil {
			return Expected{}, Line{check, false, fmt.Sprintf("%s: %v", name, err)}
		}
		if doc.Event.ID != event {
			continue
		}
		for _, d := range doc.Drops {
			if d.Date != date {
				continue
			}
			loc, err := time.LoadLocation(doc.Event.TimeZone)
			if err != nil {
				return Expected{}, Line{check, false, fmt.Sprintf("%s: timeZone %q: %v", name, doc.Event.TimeZone, err)}
			}
			start, err := time.ParseInLocation("2006-01-02", d.Date, loc)
			if err != nil {
				return Expected{}, Line{check, false, fmt.Sprintf("%s: drop %s: %v", name, d.ID, err)}
			}
			e := Expected{Drop: freeze.Drop{Event: event, ID: d.ID, Date: d.Date, TimeZone: doc.Event.TimeZone}, Products: d.Products, StartsAt: start}
			if len(d.Products) == 0 {
				return e, Line{check, false, fmt.Sprintf("drop %s (%s) in %s has no products", d.ID, date, name)}
			}
			return e, Line{check, true, fmt.Sprintf("drop %s (%s) in %s, %d products", d.ID, date, name, len(d.Products))}
		}
	}
	return Expected{}, Line{check, false, fmt.Sprintf("no drop dated %s for event %s in backend/catalog", date, event)}
}

// Current is the public API's /api/drops/current answer.
type Current struct {
	Drop *struct {
		ID       string    `json:"id"`
		Date     string    `json:"date"`
		Products []Product `json:"products"`
	} `json:"drop"`
	NextDropAt *time.Time `json:"nextDropAt"`
}

// Visible decides whether the public URL shows the drop: live with exactly
// the expected products, or announced (the countdown) for its midnight.
// Before midnight the API serves no product of a future drop, by design.
func Visible(e Expected, url string, status int, body []byte) Line {
	check := "visible publicly"
	if status != 200 {
		return Line{check, false, fmt.Sprintf("GET %s answered %d", url, status)}
	}
	var c Current
	if err := json.Unmarshal(body, &c); err != nil {
		return Line{check, false, fmt.Sprintf("GET %s: not the drops API's JSON: %v", url, err)}
	}
	if c.Drop != nil && c.Drop.ID == e.Drop.ID {
		want, got := ids(e.Products), ids(c.Drop.Products)
		if strings.Join(want, ",") != strings.Join(got, ",") {
			return Line{check, false, fmt.Sprintf("drop %s is live with products [%s], the catalogue has [%s]", e.Drop.ID, strings.Join(got, " "), strings.Join(want, " "))}
		}
		return Line{check, true, fmt.Sprintf("drop %s live at %s with its %d products", e.Drop.ID, url, len(got))}
	}
	if c.NextDropAt != nil && c.NextDropAt.Equal(e.StartsAt) {
		return Line{check, true, fmt.Sprintf("%s counts down to %s (drop %s)", url, e.StartsAt.Format(time.RFC3339), e.Drop.ID)}
	}
	live, next := "none", "none"
	if c.Drop != nil {
		live = c.Drop.ID
	}
	if c.NextDropAt != nil {
		next = c.NextDropAt.Format(time.RFC3339)
	}
	return Line{check, false, fmt.Sprintf("%s shows live drop %s, next at %s; want drop %s live or next at %s (catalogue not loaded?)", url, live, next, e.Drop.ID, e.StartsAt.Format(time.RFC3339))}
}

func ids(ps []Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	sort.Strings(out)
	return out
}

// Freeze: a freeze window brackets the drop's midnight.
func Freeze(ws []freeze.Window, e Expected) Line {
	for _, w := range ws {
		if w.Drop.ID == e.Drop.ID && w.Contains(e.StartsAt) {
			return Line{"freeze in place", true, w.String()}
		}
	}
	return Line{"freeze in place", false, fmt.Sprintf("no freeze window around %s", e.StartsAt.Format(time.RFC3339))}
}

// Split sorts drift findings into the lines they belong to.
func Split(fs []drift.Finding, serviceStack string) (scaling, running, other []drift.Finding) {
	for _, f := range fs {
		switch {
		case f.Area == "scaling":
			scaling = append(scaling, f)
		case f.Area == "ecs" || f.Area == "stack "+serviceStack:
			running = append(running, f)
		default:
			other = append(other, f)
		}
	}
	return
}

// FromFindings is a line that is go when there are no findings.
func FromFindings(check, ok string, fs []drift.Finding) Line {
	if len(fs) == 0 {
		return Line{check, true, ok}
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return Line{check, false, strings.Join(parts, "; ")}
}

// Subscription of the alarm topic.
type Subscription struct {
	Protocol string
	Endpoint string
	ARN      string
}

// Alarm: at least one confirmed subscriber (an unconfirmed e-mail
// subscription's ARN reads "PendingConfirmation").
func Alarm(topic string, subs []Subscription) Line {
	check := "alarm subscriber"
	if topic == "" {
		return Line{check, false, "the base stack names no alarm topic"}
	}
	var confirmed, pending []string
	for _, s := range subs {
		if strings.HasPrefix(s.ARN, "arn:") {
			confirmed = append(confirmed, s.Protocol+":"+s.Endpoint)
		} else {
			pending = append(pending, s.Protocol+":"+s.Endpoint)
		}
	}
	if len(confirmed) == 0 {
		detail := "no subscriber on " + topic
		if len(pending) > 0 {
			detail = fmt.Sprintf("no confirmed subscriber on %s (pending: %s)", topic, strings.Join(pending, ", "))
		}
		return Line{check, false, detail}
	}
	return Line{check, true, fmt.Sprintf("%d confirmed on %s", len(confirmed), topic)}
}

// Locks: no Terraform state lock of the environment is held.
func Locks(held []string) Line {
	if len(held) == 0 {
		return Line{"no deploy lock", true, "no state lock held"}
	}
	sort.Strings(held)
	return Line{"no deploy lock", false, "held: " + strings.Join(held, ", ")}
}

// Tonight is the date of the drop that goes live at the next midnight in
// the event's time zone (a scheduled preflight's --drop=tonight): the day
// after today there.
func Tonight(now time.Time, timeZone string) (string, error) {
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		return "", fmt.Errorf("--drop=tonight: the environment's event_time_zone %q: %w", timeZone, err)
	}
	local := now.In(loc)
	return time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc).Format("2006-01-02"), nil
}
