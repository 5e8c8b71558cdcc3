package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Values is the file (EVENTMALL_OFFLINE_AWS_VALUES) that makes the offline provider agree with
// an emulator: a rehearsal creates some resources in moto (the site bucket, the distribution,
// the ECS cluster and service) and the steps after Terraform talk to them, so the ids Terraform
// reports for those resources must be moto's. One file, written by whoever creates them
// (ci/rehearsal/moto_setup.py), decides them.
//
//	{
//	  "account_id": "123456789012",
//	  "resources": [
//	    {"type": "aws_cloudfront_distribution", "values": {"id": "E2ABC...", "domain_name": "..."}},
//	    {"type": "aws_ecr_repository", "match": {"name": "eventmall-rehearsal/backend"},
//	     "values": {"repository_url": "registry.local/eventmall-backend"}}
//	  ]
//	}
//
// An override only sets attributes the provider computes (unknown in the plan); a configured
// value always wins, as with AWS.
//
// "faults" make the apply of matching resources slow or fail, as a slow or refusing AWS API
// would: how a rehearsal has one stack fail while another stack's apply is still running.
//
//	"faults": [{"type": "aws_s3_bucket_lifecycle_configuration", "delay_seconds": 60},
//	           {"type": "aws_ecr_lifecycle_policy", "delay_seconds": 20, "error": "injected"}]
type Values struct {
	AccountID string     `json:"account_id"`
	Resources []Override `json:"resources"`
	Faults    []Fault    `json:"faults,omitempty"`
}

// Fault delays the apply (create or update) of the resources of one type whose configured
// attributes equal Match, then fails it with Error when Error is set.
type Fault struct {
	Type         string            `json:"type"`
	Match        map[string]string `json:"match,omitempty"`
	DelaySeconds float64           `json:"delay_seconds,omitempty"`
	Error        string            `json:"error,omitempty"`
}

// maxFaultDelay bounds a fault's delay: a rehearsal, not a hang.
const maxFaultDelay = 600

// Override gives computed values to the resources of one type whose configured attributes
// equal Match (all of that type when Match is empty).
type Override struct {
	Type   string                     `json:"type"`
	Match  map[string]string          `json:"match,omitempty"`
	Values map[string]json.RawMessage `json:"values"`
}

// DefaultAccountID is the account the offline provider reports without a values file (moto's).
const DefaultAccountID = "123456789012"

func loadValues(path string) (*Values, error) {
	v := &Values{}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("EVENTMALL_OFFLINE_AWS_VALUES: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return nil, fmt.Errorf("EVENTMALL_OFFLINE_AWS_VALUES %s: %w", path, err)
		}
		for i, o := range v.Resources {
			if o.Type == "" {
				return nil, fmt.Errorf("EVENTMALL_OFFLINE_AWS_VALUES %s: resources[%d] has no type", path, i)
			}
		}
		for i, f := range v.Faults {
			switch {
			case f.Type == "":
				return nil, fmt.Errorf("EVENTMALL_OFFLINE_AWS_VALUES %s: faults[%d] has no type", path, i)
			case f.DelaySeconds < 0 || f.DelaySeconds > maxFaultDelay:
				return nil, fmt.Errorf("EVENTMALL_OFFLINE_AWS_VALUES %s: faults[%d].delay_seconds must be between 0 and %d, got %g", path, i, maxFaultDelay, f.DelaySeconds)
			case f.DelaySeconds == 0 && f.Error == "":
				return nil, fmt.Errorf("EVENTMALL_OFFLINE_AWS_VALUES %s: faults[%d] (%s) has neither delay_seconds nor error", path, i, f.Type)
			}
		}
	}
	if v.AccountID == "" {
		v.AccountID = DefaultAccountID
	}
	return v, nil
}

// apply sets, in planned (a resource of type typ whose unknowns are about to be filled), the
// overridden attributes that are still unknown.
func (v *Values) apply(typ string, planned cty.Value) (cty.Value, error) {
	if v == nil || planned.IsNull() {
		return planned, nil
	}
	m := planned.AsValueMap()
	changed := false
	for _, o := range v.Resources {
		if o.Type != typ || !matches(m, o.Match) {
			continue
		}
		for _, name := range sortedKeys(o.Values) {
			cur, ok := m[name]
			if !ok {
				return planned, fmt.Errorf("values file: %s has no attribute %q", typ, name)
			}
			if cur.IsKnown() {
				continue
			}
			val, err := ctyjson.Unmarshal(o.Values[name], cur.Type())
			if err != nil {
				return planned, fmt.Errorf("values file: %s.%s: %w", typ, name, err)
			}
			m[name] = val
			changed = true
		}
	}
	if !changed {
		return planned, nil
	}
	return cty.ObjectVal(m), nil
}

// fault is the first fault for a resource of type typ planned as planned, nil when none.
func (v *Values) fault(typ string, planned cty.Value) *Fault {
	if v == nil || planned.IsNull() {
		return nil
	}
	m := planned.AsValueMap()
	for i := range v.Faults {
		if f := &v.Faults[i]; f.Type == typ && matches(m, f.Match) {
			return f
		}
	}
	return nil
}

func matches(m map[string]cty.Value, want map[string]string) bool {
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, ok := m[k]
		if !ok || !v.IsKnown() || v.IsNull() || v.Type() != cty.String || v.AsString() != want[k] {
			return false
		}
	}
	return true
}
