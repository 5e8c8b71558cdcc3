// Package rollout decides, from what ECS reports about a service, whether
// a deploy's rollout is done, still going, or failed. A service that is
// "stable" is not enough: with the deployment circuit breaker (or
// deployment alarms) a bad task definition is rolled back and the service
// becomes stable again on the old one. Only a PRIMARY deployment of the new
// task definition whose rollout COMPLETED is a successful deploy.
package rollout

import (
	"fmt"
	"strings"
)

// Deployment is one entry of DescribeServices' deployments.
type Deployment struct {
	ID                 string
	Status             string // PRIMARY, ACTIVE, INACTIVE
	TaskDefinition     string // ARN
	RolloutState       string // IN_PROGRESS, COMPLETED, FAILED
	RolloutStateReason string
	Running, Desired   int
}

// State is the outcome of one look at the service.
type State int

const (
	// Pending: the new task definition is rolling out; look again later.
	Pending State = iota
	// Completed: the new task definition is PRIMARY and its rollout completed.
	Completed
	// Failed: rolled back, or the rollout of the new task definition failed.
	Failed
)

func (s State) String() string {
	return [...]string{"pending", "completed", "failed"}[s]
}

// Verdict is a State with the words a report needs.
type Verdict struct {
	State  State
	Detail string
}

// Decide judges the deployments of a service after an update to want (the
// new task definition's ARN); previous is the task definition the service
// ran before the update ("" on the first deploy or when unknown).
func Decide(want, previous string, deployments []Deployment) Verdict {
	if want == "" {
		return Verdict{Failed, "no task definition to verify (the service stack output task_definition_arn is empty)"}
	}
	var primary *Deployment
	var mine *Deployment
	for i := range deployments {
		d := &deployments[i]
		if previous == "" && d.TaskDefinition != want {
			previous = d.TaskDefinition
		}
		if d.Status == "PRIMARY" {
			primary = d
		}
		if d.TaskDefinition == want && (mine == nil || d.Status == "PRIMARY") {
			mine = d
		}
	}
	if primary == nil {
		return Verdict{Failed, fmt.Sprintf("the service has no PRIMARY deployment (want %s)", Short(want))}
	}
	if primary.TaskDefinition != want {
		old := primary.TaskDefinition
		why := "rolled back"
		if mine != nil && mine.RolloutState == "FAILED" {
			why = "rollout of the new task definition FAILED (" + reason(mine) + ") and was rolled back"
		}
		return Verdict{Failed, fmt.Sprintf("%s: the service runs %s, not the new %s%s", why, Short(old), Short(want), was(previous, old))}
	}
	switch primary.RolloutState {
	case "COMPLETED":
		return Verdict{Completed, fmt.Sprintf("%s PRIMARY, rollout COMPLETED, %d/%d tasks", Short(want), primary.Running, primary.Desired)}
	case "FAILED":
		return Verdict{Failed, fmt.Sprintf("rollout of the new %s FAILED (%s)%s", Short(want), reason(primary), was(previous, ""))}
	case "IN_PROGRESS", "":
		// Older APIs leave rolloutState empty: stable and alone counts as done.
		if primary.RolloutState == "" && len(deployments) == 1 && primary.Running == primary.Desired {
			return Verdict{Completed, fmt.Sprintf("%s PRIMARY, %d/%d tasks (no rolloutState reported)", Short(want), primary.Running, primary.Desired)}
		}
		return Verdict{Pending, fmt.Sprintf("%s rolling out, %d/%d tasks", Short(want), primary.Running, primary.Desired)}
	default:
		return Verdict{Failed, fmt.Sprintf("unknown rolloutState %q of %s", primary.RolloutState, Short(want))}
	}
}

func reason(d *Deployment) string {
	if d.RolloutStateReason == "" {
		return "no reason given"
	}
	return strings.TrimSpace(d.RolloutStateReason)
}

// was names the task definition that ran before, when it adds something.
func was(previous, shown string) string {
	if previous == "" || previous == shown {
		return ""
	}
	return fmt.Sprintf("; before this deploy it ran %s", Short(previous))
}

// Short is a task definition ARN's family:revision, the part people read.
func Short(arn string) string {
	if i := strings.LastIndex(arn, "task-definition/"); i >= 0 {
		return arn[i+len("task-definition/"):]
	}
	return arn
}
