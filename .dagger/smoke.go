package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// SmokeTest checks the deployed shop from outside: the site answers with
// its HTML page and the API's health endpoint answers 200. Retries for a
// few minutes, since a fresh CloudFront distribution takes time to serve.
// +cache="never"
func (m *Eventmall) SmokeTest(
	ctx context.Context,
	// Public URL of the site (edge stack output site_url).
	siteUrl string,
	// Health URL of the API (service stack output api_health_url); empty skips it.
	// +optional
	apiHealthUrl string,
	// How long to keep trying.
	// +optional
	// +default="5m"
	timeout string,
) (string, error) {
	limit, err := time.ParseDuration(timeout)
	if err != nil {
		return "", fmt.Errorf("timeout %q: %w", timeout, err)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	report := []string{}
	checks := []struct {
		url  string
		want string
	}{{siteUrl, "<html"}, {apiHealthUrl, ""}}
	for _, c := range checks {
		if c.url == "" {
			report = append(report, "api: skipped (no health URL)")
			continue
		}
		took, err := getUntilOK(ctx, c.url, c.want)
		if err != nil {
			return "", err
		}
		report = append(report, fmt.Sprintf("%s: 200 in %s", c.url, took.Round(time.Millisecond)))
	}
	return strings.Join(report, "; "), nil
}

func getUntilOK(ctx context.Context, url, mustContain string) (time.Duration, error) {
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
			switch {
			case resp.StatusCode != http.StatusOK:
				last = fmt.Sprintf("status %d", resp.StatusCode)
			case mustContain != "" && !strings.Contains(strings.ToLower(string(body)), mustContain):
				last = fmt.Sprintf("body lacks %q", mustContain)
			default:
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
