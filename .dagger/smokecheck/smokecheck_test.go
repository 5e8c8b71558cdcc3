package smokecheck

import (
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
