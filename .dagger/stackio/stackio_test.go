package stackio

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheGraphLoadsInApplyOrder(t *testing.T) {
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.Names(), " "); got != "base network edge data service" {
		t.Errorf("stacks: %s", got)
	}
	pos := map[string]int{}
	for i, n := range g.Nodes() {
		pos[n] = i
	}
	for _, n := range g.Nodes() {
		for _, d := range g.Needs(n) {
			if pos[d] >= pos[n] {
				t.Errorf("%s runs before %s, which it needs", n, d)
			}
		}
	}
	if got := strings.Join(g.Needs("service"), " "); got != "base data edge network publish-backend" {
		t.Errorf("service needs %s", got)
	}
	if got := strings.Join(g.Needs("smoke-test"), " "); got != "edge publish-backend wait-service-stable" {
		t.Errorf("smoke-test needs %s", got)
	}
}

func TestBadGraphsAreRefusedByName(t *testing.T) {
	for bad, want := range map[string]string{
		`{"stacks": [{"name": "a", "inputs": {"x": "b.y"}}, {"name": "b", "inputs": {}}]}`:                     "stack a input x reads b.y, which is not listed before a",
		`{"stacks": [{"name": "a", "inputs": {"x": "step.p.image"}}]}`:                                         "which no step produces",
		`{"stacks": [{"name": "a", "inputs": {"x": "nodot"}}]}`:                                                `"nodot" is neither`,
		`{"stacks": [{"name": "a", "inputs": {}}], "steps": [{"name": "s", "inputs": {"x": "c.y"}}]}`:          "step s input x",
		`{"stacks": [{"name": "a", "inputs": {}}], "steps": [{"name": "s", "inputs": {}, "after": ["nope"]}]}`: `runs after "nope"`,
		`{"stacks": [], "extra": 1}`: "unknown field",
		`{"stacks": [{"name": "a", "inputs": {"x": "step.s.v"}}], "steps": [{"name": "s", "inputs": {"y": "a.z"}, "produces": ["v"]}]}`: "cycle",
	} {
		_, err := Parse([]byte(bad))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", bad, err, want)
		}
	}
}

const networkOut = `{
  "vpc_id": {"sensitive": false, "type": "string", "value": "vpc-1"},
  "private_subnet_ids": {"sensitive": false, "type": ["list","string"], "value": ["s-a","s-b"]},
  "vpc_cidr_block": {"sensitive": false, "type": "string", "value": "10.0.0.0/16"}
}`

func TestInputsFlowAsTerraformValues(t *testing.T) {
	g, _ := Load()
	v := NewValues()
	outs, err := DecodeOutputs("network", []byte(networkOut))
	if err != nil {
		t.Fatal(err)
	}
	v.Stacks["network"] = outs
	in, err := g.StackInputs("edge", v)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(in)
	if string(b) != `{"private_subnet_ids":["s-a","s-b"],"vpc_cidr_block":"10.0.0.0/16","vpc_id":"vpc-1"}` {
		t.Errorf("edge inputs %s", b)
	}
	// A stack that stops producing an output the next one reads fails, naming both.
	delete(v.Stacks["network"], "vpc_id")
	if _, err := g.StackInputs("edge", v); err == nil || !strings.Contains(err.Error(), "stack edge: input vpc_id (network.vpc_id): stack network has no output vpc_id") {
		t.Errorf("got %v", err)
	}
	if _, err := g.StackInputs("service", v); err == nil || !strings.Contains(err.Error(), "stack base has not been applied") {
		t.Errorf("got %v", err)
	}
}

func TestStepInputsAreStrings(t *testing.T) {
	g, _ := Load()
	v := NewValues()
	v.Stacks["data"] = Outputs{"repository_url": json.RawMessage(`"1.dkr.ecr.us-east-1.amazonaws.com/x"`)}
	in, err := g.StepInputs("publish-backend", v)
	if err != nil || in["repository_url"] != "1.dkr.ecr.us-east-1.amazonaws.com/x" {
		t.Errorf("%v %v", in, err)
	}
	v.Stacks["data"] = Outputs{"repository_url": json.RawMessage(`["x"]`)}
	if _, err := g.StepInputs("publish-backend", v); err == nil || !strings.Contains(err.Error(), "want a string") {
		t.Errorf("got %v", err)
	}
}

func TestRequiredOutputs(t *testing.T) {
	g, _ := Load()
	req := g.Required()
	if !contains(req["edge"], "site_bucket_name") || !contains(req["service"], "task_definition_arn") || !contains(req["base"], "logs_kms_key_arn") {
		t.Errorf("required %v", req)
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// TestEnvironmentMatchesCatalogue: the event the stacks are deployed for
// (terraform/environments/defaults.json) is the catalogue's event, so the
// scheduled pre-scaling fires at the midnight the drops switch.
func TestEnvironmentMatchesCatalogue(t *testing.T) {
	var settings struct {
		EventName     string `json:"event_name"`
		EventTimeZone string `json:"event_time_zone"`
	}
	b, err := os.ReadFile("../../terraform/environments/defaults.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &settings); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../backend/catalog/*.json")
	for _, f := range files {
		var doc struct {
			Event struct {
				ID       string `json:"id"`
				TimeZone string `json:"timeZone"`
			} `json:"event"`
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if doc.Event.ID == settings.EventName {
			if doc.Event.TimeZone != settings.EventTimeZone {
				t.Fatalf("event_time_zone %q differs from %s's timeZone %q", settings.EventTimeZone, f, doc.Event.TimeZone)
			}
			return
		}
	}
	t.Fatalf("no catalogue file in backend/catalog has event id %q (terraform/environments/defaults.json)", settings.EventName)
}
