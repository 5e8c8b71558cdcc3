// Package smokecheck judges what a deployed shop answers against what was
// deployed: the catalogue in the source and the image just published. Pure
// functions; SmokeTest (smoke.go) does the requests.
package smokecheck

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Catalogue is the part of backend/catalog/*.json a smoke test needs.
type Catalogue struct {
	Event struct {
		ID       string `json:"id"`
		TimeZone string `json:"timeZone"`
	} `json:"event"`
	Drops []struct {
		ID       string `json:"id"`
		Date     string `json:"date"`
		Products []item `json:"products"`
	} `json:"drops"`
}

// ParseCatalogue reads one catalogue file.
func ParseCatalogue(name string, b []byte) (Catalogue, error) {
	var c Catalogue
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("catalogue %s: %w", name, err)
	}
	if c.Event.ID == "" {
		return c, fmt.Errorf("catalogue %s: no event id", name)
	}
	return c, nil
}

// Current is the body of GET /api/drops/current (the fields checked).
type Current struct {
	Event *struct {
		ID       string `json:"id"`
		TimeZone string `json:"timeZone"`
	} `json:"event"`
	Drop *struct {
		ID       string `json:"id"`
		Date     string `json:"date"`
		Products []item `json:"products"`
	} `json:"drop"`
}

// CheckCurrent compares /api/drops/current with the catalogues at time now.
// The live drop must be one of the event's drops, dated today in the
// event's time zone, with exactly that drop's products. If a catalogue has a
// drop dated today, the API must serve it. It returns a one-line summary and
// the id of a product to check the product page with ("" without a drop).
func CheckCurrent(cats []Catalogue, body []byte, now time.Time) (summary, product string, err error) {
	var cur Current
	if err := json.Unmarshal(body, &cur); err != nil {
		return "", "", fmt.Errorf("/api/drops/current is not JSON: %w", err)
	}
	if cur.Event == nil {
		return "", "", fmt.Errorf("/api/drops/current names no event (empty or unloaded catalogue?)")
	}
	var cat *Catalogue
	for i := range cats {
		if cats[i].Event.ID == cur.Event.ID {
			cat = &cats[i]
		}
	}
	if cat == nil {
		return "", "", fmt.Errorf("/api/drops/current serves event %q, which no catalogue file of this deploy has", cur.Event.ID)
	}
	loc, err := time.LoadLocation(cat.Event.TimeZone)
	if err != nil {
		return "", "", fmt.Errorf("event %s: time zone %q: %w", cat.Event.ID, cat.Event.TimeZone, err)
	}
	today := now.In(loc).Format("2006-01-02")
	if cur.Drop == nil {
		for _, d := range cat.Drops {
			if d.Date == today {
				return "", "", fmt.Errorf("the catalogue's drop %s is dated today (%s) but /api/drops/current serves no drop", d.ID, today)
			}
		}
		return fmt.Sprintf("event %s, no drop today (%s)", cur.Event.ID, today), "", nil
	}
	if cur.Drop.Date != today {
		return "", "", fmt.Errorf("/api/drops/current serves drop %s dated %s, not today (%s in %s)", cur.Drop.ID, cur.Drop.Date, today, cat.Event.TimeZone)
	}
	for _, d := range cat.Drops {
		if d.ID != cur.Drop.ID {
			continue
		}
		want, got := ids(d.Products), ids(cur.Drop.Products)
		if strings.Join(want, ",") != strings.Join(got, ",") {
			return "", "", fmt.Errorf("drop %s: the API serves products [%s], the catalogue has [%s]", d.ID, strings.Join(got, " "), strings.Join(want, " "))
		}
		if len(got) == 0 {
			return "", "", fmt.Errorf("drop %s has no products", d.ID)
		}
		priced := 0
		for _, p := range cur.Drop.Products {
			if err := samePrice(d.Products, p, "/api/drops/current"); err != nil {
				return "", "", fmt.Errorf("drop %s: %w", d.ID, err)
			}
			if catalogued(d.Products, p.ID).PriceCents != nil {
				priced++
			}
		}
		prices := ""
		if priced > 0 {
			prices = fmt.Sprintf(", %d at the catalogue's prices", priced)
		}
		return fmt.Sprintf("event %s, drop %s (%s) with its %d products%s", cur.Event.ID, d.ID, today, len(got), prices), got[0], nil
	}
	return "", "", fmt.Errorf("/api/drops/current serves drop %q, which event %s's catalogue lacks", cur.Drop.ID, cat.Event.ID)
}

// item is a product as both the catalogue and the API list it.
type item struct {
	ID         string `json:"id"`
	PriceCents *int64 `json:"priceCents"`
	Currency   string `json:"currency"`
}

func catalogued(ps []item, id string) item {
	for _, p := range ps {
		if p.ID == id {
			return p
		}
	}
	return item{}
}

// samePrice holds what the API says a product costs to the catalogue (when
// the catalogue gives a price): a catalogue edit that did not go live fails.
func samePrice(want []item, got item, where string) error {
	w := catalogued(want, got.ID)
	if w.PriceCents == nil {
		return nil
	}
	if got.PriceCents == nil || *got.PriceCents != *w.PriceCents || !strings.EqualFold(got.Currency, w.Currency) {
		g := "no price"
		if got.PriceCents != nil {
			g = fmt.Sprintf("%d %s", *got.PriceCents, got.Currency)
		}
		return fmt.Errorf("product %s costs %s through %s, the catalogue says %d %s", got.ID, g, where, *w.PriceCents, w.Currency)
	}
	return nil
}

// LiveProducts lists the products of the drop /api/drops/current serves.
func LiveProducts(body []byte) []string {
	var cur Current
	if json.Unmarshal(body, &cur) != nil || cur.Drop == nil {
		return nil
	}
	return ids(cur.Drop.Products)
}

// CheckProductPrice holds GET /api/products/ID to the id asked for and to
// the catalogue's price of that product.
func CheckProductPrice(cats []Catalogue, id string, body []byte) error {
	if err := CheckProduct(id, body); err != nil {
		return err
	}
	var p struct {
		Product *item `json:"product"`
		item
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return err
	}
	got := p.item
	if p.Product != nil {
		got = *p.Product
	}
	for _, c := range cats {
		for _, d := range c.Drops {
			if catalogued(d.Products, id).ID == id {
				return samePrice(d.Products, got, "/api/products/"+id)
			}
		}
	}
	return nil
}

func ids(ps []item) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ID)
	}
	sort.Strings(out)
	return out
}

// CheckProduct compares GET /api/products/ID with the id asked for.
func CheckProduct(id string, body []byte) error {
	var p struct {
		Product *struct {
			ID string `json:"id"`
		} `json:"product"`
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("/api/products/%s is not JSON: %w", id, err)
	}
	got := p.ID
	if p.Product != nil {
		got = p.Product.ID
	}
	if got != id {
		return fmt.Errorf("/api/products/%s answers product %q", id, got)
	}
	return nil
}

// CheckImage compares /healthz's image with the one published.
func CheckImage(want string, body []byte) error {
	var h struct {
		Status string  `json:"status"`
		Image  *string `json:"image"`
	}
	if err := json.Unmarshal(body, &h); err != nil {
		return fmt.Errorf("/healthz is not JSON: %w", err)
	}
	if h.Image == nil || *h.Image == "" {
		return fmt.Errorf("/healthz names no image: the API serving is not the one deployed (want %s)", want)
	}
	if *h.Image != want {
		return fmt.Errorf("/healthz: the API serving runs %s, not the published %s", *h.Image, want)
	}
	return nil
}

// FirstDropNoon is noon, in its event's time zone, of the earliest drop of
// the catalogues: the instant the browser tests' shops start their clock at
// (CLOCK_START), so a run never depends on the day it runs on and never
// crosses a drop's midnight (the next drop starts 12 hours later).
func FirstDropNoon(cats []Catalogue) (time.Time, error) {
	var first time.Time
	for _, c := range cats {
		loc, err := time.LoadLocation(c.Event.TimeZone)
		if err != nil {
			return time.Time{}, fmt.Errorf("event %s: time zone %q: %w", c.Event.ID, c.Event.TimeZone, err)
		}
		for _, d := range c.Drops {
			day, err := time.ParseInLocation("2006-01-02", d.Date, loc)
			if err != nil {
				return time.Time{}, fmt.Errorf("event %s: drop %s: date %q: %w", c.Event.ID, d.ID, d.Date, err)
			}
			if noon := day.Add(12 * time.Hour); first.IsZero() || noon.Before(first) {
				first = noon
			}
		}
	}
	if first.IsZero() {
		return time.Time{}, fmt.Errorf("no catalogue has a drop")
	}
	return first, nil
}
