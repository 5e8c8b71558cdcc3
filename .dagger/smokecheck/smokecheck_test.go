package smokecheck

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const cat = `{"event":{"id":"neon-nights-2026","name":"Neon","timeZone":"Europe/Berlin"},
 "drops":[{"id":"nn-d1","date":"2026-12-04","products":[{"id":"nn-a"},{"id":"nn-b"}]},
          {"id":"nn-d2","date":"2026-12-05","products":[{"id":"nn-c"}]}]}`

// 2026-12-04 10:00 in Berlin.
var onDropDay = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func cats(t *testing.T) []Catalogue {
	c, err := ParseCatalogue("neon.json", []byte(cat))
	if err != nil {
		t.Fatal(err)
	}
	return []Catalogue{c}
}

func TestCheckCurrent(t *testing.T) {
	cases := []struct {
		name, body string
		now        time.Time
		want       string // summary or error substring
		ok         bool
		product    string
	}{
		{"today's drop with its products",
			`{"event":{"id":"neon-nights-2026"},"drop":{"id":"nn-d1","date":"2026-12-04","products":[{"id":"nn-b"},{"id":"nn-a"}]}}`,
			onDropDay, "drop nn-d1 (2026-12-04) with its 2 products", true, "nn-a"},
		{"a shifted drop (dated today by the shop) is judged by its id",
			`{"event":{"id":"neon-nights-2026"},"drop":{"id":"nn-d2","date":"2026-12-01","products":[{"id":"nn-c"}]}}`,
			time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), "drop nn-d2", true, "nn-c"},
		{"no drop today and none dated today", `{"event":{"id":"neon-nights-2026"},"drop":null}`,
			time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), "no drop today (2026-12-01)", true, ""},
		{"the catalogue's drop of today is missing", `{"event":{"id":"neon-nights-2026"},"drop":null}`,
			onDropDay, "drop nn-d1 is dated today (2026-12-04) but /api/drops/current serves no drop", false, ""},
		{"empty database: no event", `{"serverTime":"x","event":null,"drop":null}`, onDropDay, "names no event", false, ""},
		{"an event this deploy does not have", `{"event":{"id":"old-event"},"drop":null}`, onDropDay, `event "old-event"`, false, ""},
		{"a stale product list (an older catalogue)",
			`{"event":{"id":"neon-nights-2026"},"drop":{"id":"nn-d1","date":"2026-12-04","products":[{"id":"nn-a"}]}}`,
			onDropDay, "the API serves products [nn-a], the catalogue has [nn-a nn-b]", false, ""},
		{"a drop not dated today",
			`{"event":{"id":"neon-nights-2026"},"drop":{"id":"nn-d1","date":"2026-12-03","products":[]}}`,
			onDropDay, "not today (2026-12-04 in Europe/Berlin)", false, ""},
		{"an error body", `{"error":{"code":"internal"}}`, onDropDay, "names no event", false, ""},
		{"not JSON", `<html>`, onDropDay, "not JSON", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sum, product, err := CheckCurrent(cats(t), []byte(c.body), c.now)
			if c.ok {
				if err != nil || !strings.Contains(sum, c.want) || product != c.product {
					t.Fatalf("got %q %q %v; want summary with %q, product %q", sum, product, err, c.want, c.product)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %q, %v; want an error with %q", sum, err, c.want)
			}
		})
	}
}

func TestCheckProductAndImage(t *testing.T) {
	if err := CheckProduct("nn-a", []byte(`{"id":"nn-a","name":"A"}`)); err != nil {
		t.Error(err)
	}
	if err := CheckProduct("nn-a", []byte(`{"error":{"code":"product_not_found"}}`)); err == nil {
		t.Error("an error body passed")
	}
	img := "127.0.0.1:5300/rehearsal/eventmall-backend@sha256:" + strings.Repeat("ab", 32)
	if err := CheckImage(img, []byte(`{"status":"ok","image":"`+img+`"}`)); err != nil {
		t.Error(err)
	}
	// The defect: the old tasks (rolled back) or a host backend answer /healthz too.
	if err := CheckImage(img, []byte(`{"status":"ok"}`)); err == nil || !strings.Contains(err.Error(), "names no image") {
		t.Errorf("a /healthz without image passed: %v", err)
	}
	old := strings.Replace(img, "ab", "cd", 1)
	if err := CheckImage(img, []byte(`{"status":"ok","image":"`+old+`"}`)); err == nil || !strings.Contains(err.Error(), "not the published") {
		t.Errorf("another image passed: %v", err)
	}
}

func TestFirstDropNoon(t *testing.T) {
	berlin, _ := ParseCatalogue("a.json", []byte(`{"event":{"id":"a","timeZone":"Europe/Berlin"},"drops":[{"id":"d2","date":"2026-12-05"},{"id":"d1","date":"2026-12-04"}]}`))
	tokyo, _ := ParseCatalogue("b.json", []byte(`{"event":{"id":"b","timeZone":"Asia/Tokyo"},"drops":[{"id":"t1","date":"2026-12-04"}]}`))
	got, err := FirstDropNoon([]Catalogue{berlin})
	if err != nil || got.UTC().Format(time.RFC3339) != "2026-12-04T11:00:00Z" {
		t.Fatalf("Berlin: got %v, %v; want 2026-12-04T11:00:00Z", got, err)
	}
	// Tokyo's noon of the same date comes first (03:00Z).
	if got, _ := FirstDropNoon([]Catalogue{berlin, tokyo}); got.UTC().Format(time.RFC3339) != "2026-12-04T03:00:00Z" {
		t.Fatalf("two events: got %v, want Tokyo's noon 2026-12-04T03:00:00Z", got)
	}
	bad, _ := ParseCatalogue("c.json", []byte(`{"event":{"id":"c","timeZone":"Europe/Berlin"},"drops":[{"id":"x","date":"04.12.2026"}]}`))
	if _, err := FirstDropNoon([]Catalogue{bad}); err == nil || !strings.Contains(err.Error(), "drop x") {
		t.Fatalf("a malformed date must name the drop, got %v", err)
	}
	if _, err := FirstDropNoon(nil); err == nil {
		t.Fatal("no drop at all must be an error")
	}
}

// A catalogue-only deploy goes live when the API sells at the new prices:
// every product of the live drop, in /api/drops/current and /api/products/ID.
func TestPricesAreTheCatalogues(t *testing.T) {
	c, err := ParseCatalogue("neon.json", []byte(`{"event":{"id":"neon-nights-2026","timeZone":"Europe/Berlin"},
 "drops":[{"id":"nn-d1","date":"2026-12-04","products":[{"id":"nn-a","priceCents":7000,"currency":"EUR"},{"id":"nn-b","priceCents":2900,"currency":"EUR"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	cats := []Catalogue{c}
	live := `{"event":{"id":"neon-nights-2026"},"drop":{"id":"nn-d1","date":"2026-12-04","products":[{"id":"nn-a","priceCents":%d,"currency":"EUR"},{"id":"nn-b","priceCents":2900,"currency":"EUR"}]}}`
	sum, _, err := CheckCurrent(cats, []byte(fmt.Sprintf(live, 7000)), onDropDay)
	if err != nil || !strings.Contains(sum, "with its 2 products, 2 at the catalogue's prices") {
		t.Fatalf("%q %v", sum, err)
	}
	if _, _, err := CheckCurrent(cats, []byte(fmt.Sprintf(live, 6900)), onDropDay); err == nil ||
		!strings.Contains(err.Error(), "drop nn-d1: product nn-a costs 6900 EUR through /api/drops/current, the catalogue says 7000 EUR") {
		t.Fatalf("the old price passed: %v", err)
	}
	if got := LiveProducts([]byte(fmt.Sprintf(live, 7000))); strings.Join(got, ",") != "nn-a,nn-b" {
		t.Fatalf("live products %v", got)
	}
	if err := CheckProductPrice(cats, "nn-a", []byte(`{"id":"nn-a","priceCents":7000,"currency":"EUR"}`)); err != nil {
		t.Error(err)
	}
	if err := CheckProductPrice(cats, "nn-a", []byte(`{"id":"nn-a","priceCents":6900,"currency":"EUR"}`)); err == nil ||
		!strings.Contains(err.Error(), "costs 6900 EUR through /api/products/nn-a, the catalogue says 7000 EUR") {
		t.Errorf("the product API's old price passed: %v", err)
	}
}
