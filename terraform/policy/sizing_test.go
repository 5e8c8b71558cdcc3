package policy

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// rushEvaluator runs the real rush module with real terraform.
func rushEvaluator(t *testing.T) RushEvaluator {
	t.Helper()
	bin := terraformBinary(t)
	dir := filepath.Join(realTree, "modules", "rush")
	return func(vars map[string]any) (RushSizing, error) {
		return EvaluateRush(context.Background(), bin, dir, vars)
	}
}

// fixtureCapacity: 1,000 requests/s per process, 4 per customer: a floor of 2 tasks serves
// 2 x 1000 x 50 % / 4 = 250 customers/s.
func fixtureCapacity() Capacity {
	return Capacity{CustomerMixRPS: 1000, RequestsPerCustomer: 4, MeasuredAt: "fixture",
		Record: map[string]any{"customerMixRpsPerProcess": 1000, "requestsPerCustomer": 4, "measuredAt": "fixture", "note": "extra fields are ignored"}}
}

// Every environment's rush floor serves its declared peak with the measured capacity, or the
// waiting room is on at an inlet the floor serves.
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
	for _, f := range CheckSizing(tree, envs, c, rushEvaluator(t)) {
		t.Error(f)
	}
}

// The check fails, naming the fix, when the floor is too low for the declared peak and the
// waiting room is forced off, when a forced inlet admits more than the floor serves, and when an
// environment's settings are refused by the module's validation.
func TestRushSizingFailsBelowThePeak(t *testing.T) {
	tree := load(t, realTree)
	envs, err := Environments(filepath.Join("testdata", "sizing_short", "environments"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(CheckSizing(tree, envs, fixtureCapacity(), rushEvaluator(t)), "\n")
	for _, want := range []string{
		"environment defaults: rush_min_capacity 2 tasks x 1000 req/s measured (fixture) x headroom / 4 requests per customer serves 250 customers/s, below the expected peak of 900/s, and the waiting room is off: raise rush_min_capacity to at least 8, or let the waiting room switch on (waiting_room = auto)",
		"environment undeclared: expected_peak_customers_per_second must be declared",
		"environment toofast: the waiting room admits 1000 buyers/s, more than the 250 customers/s rush_min_capacity 2 tasks serve",
		"environment badmode: the rush sizing refuses its settings:",
		"waiting_room must be auto, on or off.",
		"environment badinlet: the rush sizing refuses its settings:",
		"waiting_room_inlet_per_second must be null or a whole number of buyers per second, at least 1.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing finding %q; got:\n%s", want, got)
		}
	}
	for _, fine := range []string{"big", "drop"} {
		if strings.Contains(got, "environment "+fine+":") {
			t.Errorf("environment %s is sized (or queued) enough; got:\n%s", fine, got)
		}
	}
}

// The waiting room's switch: off for a small event, on (at the rate the floor serves) for a drop
// whose expected peak exceeds what the floor serves; forced on or off by waiting_room.
func TestWaitingRoomSwitchesOnAboveTheFloor(t *testing.T) {
	eval := rushEvaluator(t)
	c := fixtureCapacity()
	for _, tc := range []struct {
		name string
		vars map[string]any
		want map[string]string
	}{
		{"small event: peak 100/s, the floor serves 250/s", map[string]any{"expected_peak_customers_per_second": 100}, map[string]string{"WAITING_ROOM": "off"}},
		{"at the floor exactly: 250/s", map[string]any{"expected_peak_customers_per_second": 250}, map[string]string{"WAITING_ROOM": "off"}},
		{"a drop above the floor: 900/s", map[string]any{"expected_peak_customers_per_second": 900}, map[string]string{"WAITING_ROOM": "on", "WAITING_ROOM_INLET_PER_SEC": "250"}},
		{"forced on for a small event, own inlet", map[string]any{"expected_peak_customers_per_second": 100, "waiting_room": "on", "waiting_room_inlet_per_second": 120}, map[string]string{"WAITING_ROOM": "on", "WAITING_ROOM_INLET_PER_SEC": "120"}},
		{"forced off", map[string]any{"expected_peak_customers_per_second": 900, "waiting_room": "off"}, map[string]string{"WAITING_ROOM": "off"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]any{"rush_min_capacity": 2, "measured_capacity": c.Record}
			for k, v := range tc.vars {
				vars[k] = v
			}
			r, err := eval(vars)
			if err != nil {
				t.Fatal(err)
			}
			if r.Served != 250 {
				t.Errorf("served %v customers/s, want 250", r.Served)
			}
			if len(r.Environment) != len(tc.want) {
				t.Errorf("environment %v, want %v", r.Environment, tc.want)
			}
			for k, v := range tc.want {
				if r.Environment[k] != v {
					t.Errorf("environment %v, want %v", r.Environment, tc.want)
				}
			}
		})
	}
}
