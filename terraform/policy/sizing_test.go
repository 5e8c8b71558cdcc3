package policy

import (
	"path/filepath"
	"strings"
	"testing"
)

// Every environment's rush floor serves its declared peak with the measured capacity.
func TestRushSizingCoversTheExpectedPeak(t *testing.T) {
	tree := load(t, realTree)
	c, err := LoadCapacity(filepath.Join(realTree, "..", "backend", "bench", "capacity.json"))
	if err != nil {
		t.Fatalf("the benchmark's capacity record: %v (npm run bench -- --record-capacity)", err)
	}
	envs, err := Environments(filepath.Join(realTree, "environments"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range CheckSizing(tree, envs, c) {
		t.Error(f)
	}
}

// The check fails, naming the fix, when the floor is too low for the declared peak.
func TestRushSizingFailsBelowThePeak(t *testing.T) {
	tree := load(t, realTree)
	c := Capacity{CustomerMixRPS: 1000, RequestsPerCustomer: 4, MeasuredAt: "fixture"}
	envs, err := Environments(filepath.Join("testdata", "sizing_short", "environments"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(CheckSizing(tree, envs, c), "\n")
	for _, want := range []string{
		"environment defaults: rush_min_capacity 2 tasks x 1000 req/s measured (fixture) x 50% headroom / 4 requests per customer serves 250 customers/s, below the expected peak of 900/s: raise rush_min_capacity to at least 8",
		"environment undeclared: expected_peak_customers_per_second must be declared",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing finding %q; got:\n%s", want, got)
		}
	}
	if strings.Contains(got, "environment big:") {
		t.Errorf("environment big (20 tasks) is sized enough; got:\n%s", got)
	}
}
