package rollout

import (
	"strings"
	"testing"
)

const (
	oldTD = "arn:aws:ecs:us-east-1:123456789012:task-definition/eventmall-prod:41"
	newTD = "arn:aws:ecs:us-east-1:123456789012:task-definition/eventmall-prod:42"
)

func TestDecide(t *testing.T) {
	cases := []struct {
		name        string
		deployments []Deployment
		state       State
		want        []string // substrings of the detail
	}{
		{
			name:        "new task definition primary and completed",
			deployments: []Deployment{{Status: "PRIMARY", TaskDefinition: newTD, RolloutState: "COMPLETED", Running: 2, Desired: 2}},
			state:       Completed,
			want:        []string{"eventmall-prod:42", "COMPLETED", "2/2"},
		},
		{
			// The defect: the services-stable waiter returns OK here, and so did deploy.
			name:        "circuit breaker rolled back: stable on the old task definition",
			deployments: []Deployment{{Status: "PRIMARY", TaskDefinition: oldTD, RolloutState: "COMPLETED", Running: 2, Desired: 2}},
			state:       Failed,
			want:        []string{"rolled back", "eventmall-prod:41", "eventmall-prod:42"},
		},
		{
			name: "rollback in progress, the failed deployment still listed",
			deployments: []Deployment{
				{Status: "PRIMARY", TaskDefinition: oldTD, RolloutState: "IN_PROGRESS", Running: 1, Desired: 2},
				{Status: "ACTIVE", TaskDefinition: newTD, RolloutState: "FAILED", RolloutStateReason: "ECS deployment circuit breaker: tasks failed to start."},
			},
			state: Failed,
			want:  []string{"FAILED", "circuit breaker: tasks failed to start", "eventmall-prod:41", "eventmall-prod:42"},
		},
		{
			name:        "deployment alarm tripped: rollout FAILED on the new task definition",
			deployments: []Deployment{{Status: "PRIMARY", TaskDefinition: newTD, RolloutState: "FAILED", RolloutStateReason: "ECS deployment alarms: eventmall-prod-api-5xx in ALARM"}},
			state:       Failed,
			want:        []string{"FAILED", "api-5xx", "eventmall-prod:42", "before this deploy it ran eventmall-prod:41"},
		},
		{
			name: "still rolling out",
			deployments: []Deployment{
				{Status: "PRIMARY", TaskDefinition: newTD, RolloutState: "IN_PROGRESS", Running: 1, Desired: 2},
				{Status: "ACTIVE", TaskDefinition: oldTD, RolloutState: "COMPLETED", Running: 2, Desired: 2},
			},
			state: Pending,
			want:  []string{"rolling out", "1/2"},
		},
		{
			name:        "no primary deployment",
			deployments: []Deployment{{Status: "ACTIVE", TaskDefinition: newTD}},
			state:       Failed,
			want:        []string{"no PRIMARY deployment"},
		},
		{
			name:        "no rolloutState (older API), alone and at count",
			deployments: []Deployment{{Status: "PRIMARY", TaskDefinition: newTD, Running: 2, Desired: 2}},
			state:       Completed,
		},
		{
			name:        "unknown rolloutState",
			deployments: []Deployment{{Status: "PRIMARY", TaskDefinition: newTD, RolloutState: "PAUSED"}},
			state:       Failed,
			want:        []string{`"PAUSED"`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Decide(newTD, oldTD, c.deployments)
			if v.State != c.state {
				t.Fatalf("state %s, want %s (%s)", v.State, c.state, v.Detail)
			}
			for _, w := range c.want {
				if !strings.Contains(v.Detail, w) {
					t.Errorf("detail %q lacks %q", v.Detail, w)
				}
			}
		})
	}
}

// Without a known previous task definition, the other deployment names it.
func TestDecideNamesTheOtherDeployment(t *testing.T) {
	v := Decide(newTD, "", []Deployment{
		{Status: "PRIMARY", TaskDefinition: newTD, RolloutState: "FAILED", RolloutStateReason: "alarm"},
		{Status: "ACTIVE", TaskDefinition: oldTD, RolloutState: "COMPLETED"},
	})
	if v.State != Failed || !strings.Contains(v.Detail, "eventmall-prod:41") || !strings.Contains(v.Detail, "eventmall-prod:42") {
		t.Fatalf("got %s %q", v.State, v.Detail)
	}
}

func TestDecideNeedsATaskDefinition(t *testing.T) {
	v := Decide("", oldTD, []Deployment{{Status: "PRIMARY", TaskDefinition: oldTD, RolloutState: "COMPLETED"}})
	if v.State != Failed || !strings.Contains(v.Detail, "task_definition_arn") {
		t.Fatalf("got %s %q", v.State, v.Detail)
	}
}
