package drift

import (
	"strings"
	"testing"

	"dagger/eventmall/s3sync"
)

func TestFromPlanIgnoresReadsNoOpsAndOutputs(t *testing.T) {
	plan := []byte(`{
  "format_version": "1.2",
  "resource_drift": [
    {"address": "aws_s3_bucket_policy.site", "mode": "managed", "type": "aws_s3_bucket_policy", "name": "site",
     "change": {"actions": ["update"], "before": {"policy": "a"}, "after": {"policy": "b"}}}
  ],
  "resource_changes": [
    {"address": "aws_s3_bucket_policy.site", "mode": "managed", "change": {"actions": ["update"], "before": {}, "after": {}}},
    {"address": "aws_appautoscaling_scheduled_action.rush_scale_out", "mode": "managed", "change": {"actions": ["create"], "before": null, "after": {}}},
    {"address": "data.aws_iam_policy_document.x", "mode": "data", "change": {"actions": ["read"], "before": null, "after": {}}},
    {"address": "terraform_data.same", "mode": "managed", "change": {"actions": ["no-op"], "before": {}, "after": {}}}
  ],
  "output_changes": {"site_url": {"actions": ["update"], "before": "a", "after": "b"}}
}`)
	got, err := FromPlan("edge", plan)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"stack edge: aws_appautoscaling_scheduled_action.rush_scale_out differs from the deployed configuration: a deploy would create it",
		"stack edge: aws_s3_bucket_policy.site changed outside Terraform (update)",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("got %q, want %q", got[i], want[i])
		}
	}
	if o := Overwritten(got); len(o) != 1 || o[0] != "aws_s3_bucket_policy.site" {
		t.Errorf("Overwritten = %v", o)
	}
	if got, _ := FromPlan("base", []byte(`{"format_version":"1.2","output_changes":{"x":{"actions":["create"]}}}`)); len(got) != 0 {
		t.Errorf("an output-only change is drift: %v", got)
	}
	if _, err := FromPlan("base", []byte("{")); err == nil || !strings.Contains(err.Error(), "plan of base") {
		t.Errorf("bad JSON: %v", err)
	}
}

func TestSite(t *testing.T) {
	local := []s3sync.LocalFile{{Key: "index.html", MD5: "aa"}, {Key: "assets/app-1.js", MD5: "bb"}, {Key: "favicon.svg", MD5: "cc"}}
	remote := []s3sync.RemoteObject{{Key: "index.html", ETag: `"AA"`}, {Key: "assets/app-1.js", ETag: `"ff"`}, {Key: "assets/old-0.js", ETag: `"00"`}}
	got := Site(local, remote)
	if len(got) != 2 || got[0].What != "assets/app-1.js differs from the build (edited behind the pipeline's back?)" || got[1].What != "favicon.svg is missing from the bucket" {
		t.Fatalf("%v", got)
	}
	if got := Site(local[:1], remote); len(got) != 0 {
		t.Fatalf("clean: %v", got)
	}
}

func TestScalingAndTaskDefinition(t *testing.T) {
	out, in := "cron(40 23 * * ? *)", "cron(30 1 * * ? *)"
	ok := []ScheduledAction{{"x-before-midnight", out, "Europe/Berlin"}, {"x-after-rush", in, "Europe/Berlin"}}
	if got := Scaling(out, in, "Europe/Berlin", ok); len(got) != 0 {
		t.Fatalf("clean: %v", got)
	}
	got := Scaling(out, in, "Europe/Berlin", []ScheduledAction{{"x-after-rush", in, ""}})
	if len(got) != 2 || !strings.Contains(got[0].What, "no scheduled action at cron(40 23 * * ? *): the scale-out before midnight is missing") ||
		!strings.Contains(got[1].What, "x-after-rush (scale-in after the rush) runs in UTC (none set), not the event's Europe/Berlin") {
		t.Fatalf("%v", got)
	}
	if got := TaskDefinition("arn:aws:ecs:r:1:task-definition/api:7", "arn:aws:ecs:r:1:task-definition/api:8"); len(got) != 1 || got[0].What != "PRIMARY runs api:7, the state says api:8" {
		t.Fatalf("%v", got)
	}
	if got := TaskDefinition("a/api:8", "a/api:8"); len(got) != 0 {
		t.Fatalf("%v", got)
	}
	if r := Render("prod", nil, []string{"stacks", "site"}); r != "no drift in prod (checked: stacks, site)\n" {
		t.Fatalf("%q", r)
	}
}

// A refresh that reads an unset nested block back as an empty one (null
// before, [] after) is no change: the rehearsal's first drift run on the
// real stacks reported 44 such "changed outside Terraform" findings on a
// clean environment whose plans were all +0 ~0 -0.
func TestFromPlanIgnoresNullReadBackAsEmpty(t *testing.T) {
	plan := []byte(`{
  "format_version": "1.2",
  "resource_drift": [
    {"address": "module.cache.aws_elasticache_cluster.this", "mode": "managed",
     "change": {"actions": ["update"], "before": {"log_delivery_configuration": null, "tags": {}, "n": 1},
                "after": {"log_delivery_configuration": [], "n": 1}}},
    {"address": "module.service.aws_appautoscaling_policy.cpu", "mode": "managed",
     "change": {"actions": ["update"], "before": {"c": [{"customized": null, "target": 55}]},
                "after": {"c": [{"customized": [], "target": 55}]}}},
    {"address": "module.edge.aws_s3_bucket.site", "mode": "managed",
     "change": {"actions": ["update"], "before": {"tags": {"a": "1"}}, "after": {"tags": {"a": "2"}}}}
  ]
}`)
	got, err := FromPlan("data", plan)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].String() != "stack data: module.edge.aws_s3_bucket.site changed outside Terraform (update)" {
		t.Fatalf("got %v", got)
	}
}
