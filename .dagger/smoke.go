package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"dagger/eventmall/smokecheck"
)

// SmokeTest checks the deployed shop through its public URL, read-only
// (it never buys): the site's HTML page; GET /api/drops/current serving the
// catalogue's event and today's drop with exactly its products, each at the
// catalogue's price (there and in GET /api/products/ID of every one); a
// product page (the site's route); and /healthz naming the
// image just published, so that a rolled-back or stale service fails.
// Retries for a while, since a fresh CloudFront distribution takes time.
// +cache="never"
func (m *Eventmall) SmokeTest(
	ctx context.Context,
	// Public URL of the shop (edge stack output site_url; a rehearsal's edge stand-in).
	siteUrl string,
	// The image the service must be running (publish-backend's repository@sha256 result); empty skips that check.
	// +optional
	image string,
	// How long to keep trying.
	// +optional
	// +default="5m"
	timeout string,
) (string, error) {
	limit, err := time.ParseDuration(timeout)
	if err != nil {
		return "", fmt.Errorf("timeout %q: %w", timeout, err)
	}
	cats, err := m.catalogues(ctx)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	base := strings.TrimSuffix(strings.TrimSuffix(siteUrl, "/index.html"), "/")
	var report []string
	if _, err := getUntil(ctx, base+"/", func(b []byte) error {
		if !strings.Contains(strings.ToLower(string(b)), "<html") {
			return fmt.Errorf("no HTML page")
		}
		return nil
	}); err != nil {
		return "", err
	}
	report = append(report, "site: HTML")
	var product string
	var live []string
	if _, err := getUntil(ctx, base+"/api/drops/current", func(b []byte) error {
		sum, p, err := smokecheck.CheckCurrent(cats, b, time.Now())
		if err == nil {
			report, product, live = append(report, "drops/current: "+sum), p, smokecheck.LiveProducts(b)
		}
		return err
	}); err != nil {
		return "", err
	}
	if product != "" {
		if _, err := getUntil(ctx, base+"/products/"+product, func(b []byte) error {
			if !strings.Contains(strings.ToLower(string(b)), "<html") {
				return fmt.Errorf("the product page is not the site's HTML")
			}
			return nil
		}); err != nil {
			return "", err
		}
		// Every product of the live drop, at the catalogue's price.
		for _, id := range live {
			if _, err := getUntil(ctx, base+"/api/products/"+id, func(b []byte) error {
				return smokecheck.CheckProductPrice(cats, id, b)
			}); err != nil {
				return "", err
			}
		}
		report = append(report, fmt.Sprintf("product %s: page and API; the API of all %d live products at the catalogue's prices", product, len(live)))
	}
	if image != "" {
		if _, err := getUntil(ctx, base+"/healthz", func(b []byte) error { return smokecheck.CheckImage(image, b) }); err != nil {
			return "", err
		}
		report = append(report, "running the published image")
	}
	return strings.Join(report, "; "), nil
}

// catalogues reads backend/catalog/*.json of the source being deployed.
func (m *Eventmall) catalogues(ctx context.Context) ([]smokecheck.Catalogue, error) {
	dir := m.backendDir().Directory("catalog")
	names, err := dir.Entries(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading backend/catalog: %w", err)
	}
	var out []smokecheck.Catalogue
	for _, n := range names {
		if path.Ext(n) != ".json" {
			continue
		}
		b, err := dir.File(n).Contents(ctx)
		if err != nil {
			return nil, err
		}
		c, err := smokecheck.ParseCatalogue(n, []byte(b))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("backend/catalog has no catalogue file")
	}
	return out, nil
}

// getUntil GETs url until it answers 200 and check accepts the body, or
// ctx ends; the error names the URL, the attempts and the last problem.
func getUntil(ctx context.Context, url string, check func([]byte) error) (time.Duration, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	var last string
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return 0, fmt.Errorf("smoke test: %w", err)
		}
		start := time.Now()
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				last = fmt.Sprintf("status %d: %s", resp.StatusCode, firstLine(string(body)))
			} else if err := check(body); err != nil {
				last = err.Error()
			} else {
				return time.Since(start), nil
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("smoke test of %s failed after %d attempts: %s", url, attempt+1, last)
		case <-time.After(time.Duration(min(attempt+1, 5)) * 2 * time.Second):
		}
	}
}
