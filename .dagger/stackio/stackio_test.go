package stackio

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const networkOut = `{
  "vpc_id": {"sensitive": false, "type": "string", "value": "vpc-1"},
  "vpc_cidr_block": {"sensitive": false, "type": "string", "value": "10.0.0.0/16"},
  "availability_zones": {"sensitive": false, "type": ["list","string"], "value": ["az-a","az-b"]},
  "bastion_instance_id": {"sensitive": false, "type": "string", "value": "i-1"},
  "nat_public_ips": {"sensitive": false, "type": ["list","string"], "value": ["1.2.3.4","5.6.7.8"]},
  "public_subnet_ids": {"sensitive": false, "type": ["list","string"], "value": ["s-a","s-b"]},
  "private_subnet_ids": {"sensitive": false, "type": ["list","string"], "value": ["p-a","p-b"]},
  "bastion_security_group_id": {"sensitive": false, "type": "string", "value": "sg-1"},
  "extra": {"sensitive": false, "type": "string", "value": "ignored"}
}`

func TestDecode(t *testing.T) {
	var n NetworkOutputs
	if err := Decode(Network, []byte(networkOut), &n); err != nil {
		t.Fatal(err)
	}
	want := NetworkOutputs{VpcID: "vpc-1", VpcCidrBlock: "10.0.0.0/16", AvailabilityZones: []string{"az-a", "az-b"},
		BastionInstanceID: "i-1", NatPublicIPs: []string{"1.2.3.4", "5.6.7.8"}, PublicSubnetIDs: []string{"s-a", "s-b"}, PrivateSubnetIDs: []string{"p-a", "p-b"}, BastionSecurityGroupID: "sg-1"}
	if !reflect.DeepEqual(n, want) {
		t.Fatalf("got %+v", n)
	}
}

func TestDecodeNamesMissingOutputs(t *testing.T) {
	var e EdgeOutputs
	err := Decode(Edge, []byte(`{"site_url":{"value":"https://x"}}`), &e)
	if err == nil || !strings.Contains(err.Error(), "stack edge: missing outputs alb_arn, alb_dns_name, alb_listener_arn") {
		t.Fatalf("got %v", err)
	}
}

func TestDecodeNamesWrongType(t *testing.T) {
	var n NetworkOutputs
	bad := strings.Replace(networkOut, `["s-a","s-b"]`, `"s-a"`, 1)
	err := Decode(Network, []byte(bad), &n)
	if err == nil || !strings.Contains(err.Error(), "output public_subnet_ids") {
		t.Fatalf("got %v", err)
	}
}

// declared lists the variable and output names a stack folder declares.
func declared(t *testing.T, dir string) (vars, outputs map[string]bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf files in %s", dir)
	}
	vars, outputs = map[string]bool{}, map[string]bool{}
	re := regexp.MustCompile(`(?m)^(variable|output)\s+"([^"]+)"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if m[1] == "variable" {
				vars[m[2]] = true
			} else {
				outputs[m[2]] = true
			}
		}
	}
	return vars, outputs
}

// TestStacksDeclareWhatThePipelinePasses checks the typed flow against the
// Terraform code, for the real stacks and the rehearsal fixtures alike:
// every input the pipeline passes is a declared variable, every output it
// decodes is a declared output.
func TestStacksDeclareWhatThePipelinePasses(t *testing.T) {
	inputs := map[string]map[string]any{
		Base:    BaseInputs(),
		Network: NetworkInputs(BaseOutputs{}),
		Edge:    EdgeInputs(NetworkOutputs{}),
		Data:    DataInputs(BaseOutputs{}, NetworkOutputs{}),
		Service: ServiceInputs(BaseOutputs{}, NetworkOutputs{}, EdgeOutputs{}, DataOutputs{}, ""),
	}
	outputs := map[string]any{Base: BaseOutputs{}, Network: NetworkOutputs{}, Edge: EdgeOutputs{}, Data: DataOutputs{}, Service: ServiceOutputs{}}
	for _, root := range []string{"../../terraform/stacks", "../../terraform/fixtures/rehearsal"} {
		for _, stack := range Order {
			vars, outs := declared(t, filepath.Join(root, stack))
			for name := range inputs[stack] {
				if !vars[name] {
					t.Errorf("%s/%s: the pipeline passes %q, which the stack does not declare", root, stack, name)
				}
			}
			for _, name := range Names(outputs[stack]) {
				if !outs[name] {
					t.Errorf("%s/%s: the pipeline reads output %q, which the stack does not declare", root, stack, name)
				}
			}
		}
	}
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

// TestTheGoWiringIsTheGraph keeps the typed wiring above equal to the stack
// graph's declaration (graph.json, read by terraform/rehearse and
// terraform/policy) until deploy walks the graph itself: same stacks in the
// same order, the same inputs per stack.
func TestTheGoWiringIsTheGraph(t *testing.T) {
	b, err := os.ReadFile("graph.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Stacks []struct {
			Name   string            `json:"name"`
			Inputs map[string]string `json:"inputs"`
		} `json:"stacks"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]map[string]any{
		Base:    BaseInputs(),
		Network: NetworkInputs(BaseOutputs{}),
		Edge:    EdgeInputs(NetworkOutputs{}),
		Data:    DataInputs(BaseOutputs{}, NetworkOutputs{}),
		Service: ServiceInputs(BaseOutputs{}, NetworkOutputs{}, EdgeOutputs{}, DataOutputs{}, ""),
	}
	var order []string
	for _, s := range g.Stacks {
		order = append(order, s.Name)
		for in := range s.Inputs {
			if _, ok := inputs[s.Name][in]; !ok {
				t.Errorf("graph.json wires %s.%s, which stackio does not pass", s.Name, in)
			}
		}
		for in := range inputs[s.Name] {
			if _, ok := s.Inputs[in]; !ok {
				t.Errorf("stackio passes %s.%s, which graph.json does not wire", s.Name, in)
			}
		}
	}
	if strings.Join(order, " ") != strings.Join(Order, " ") {
		t.Errorf("graph.json order %v, stackio.Order %v", order, Order)
	}
}
