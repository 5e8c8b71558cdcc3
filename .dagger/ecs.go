package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/eventmall/rollout"
)

// WaitServiceStable waits until the ECS service is stable (as `aws ecs wait
// services-stable` does) and then verifies the rollout: the PRIMARY
// deployment must run the new task definition with rolloutState COMPLETED.
// A circuit-breaker or deployment-alarm rollback (stable again, on the old
// task definition) or a FAILED rollout fails, naming both task definitions.
// +cache="never"
func (a *Aws) WaitServiceStable(
	ctx context.Context,
	// ECS cluster name (service stack output cluster_name).
	cluster string,
	// ECS service name (service stack output service_name).
	service string,
	// ARN of the task definition the deploy rolled out (service stack output task_definition_arn).
	taskDefinition string,
	// ARN of the task definition the service ran before, named in a failure; optional.
	// +optional
	previousTaskDefinition string,
	// How long to wait.
	// +optional
	// +default="15m"
	timeout string,
) (string, error) {
	limit, err := time.ParseDuration(timeout)
	if err != nil {
		return "", fmt.Errorf("timeout %q: %w", timeout, err)
	}
	cfg, err := a.config(ctx)
	if err != nil {
		return "", err
	}
	client := ecs.NewFromConfig(cfg)
	start := time.Now()
	deadline := start.Add(limit)
	waiter := ecs.NewServicesStableWaiter(client, func(o *ecs.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 2*time.Second, 15*time.Second
	})
	in := &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{service}}
	if err := waiter.Wait(ctx, in, limit); err != nil {
		return "", fmt.Errorf("ECS service %s/%s not stable after %s: %w", cluster, service, limit, err)
	}
	// Stable is not enough: a rolled-back service is stable too.
	for {
		out, err := client.DescribeServices(ctx, in)
		if err != nil {
			return "", fmt.Errorf("ecs:DescribeServices %s/%s: %w", cluster, service, err)
		}
		if len(out.Services) != 1 {
			return "", fmt.Errorf("ECS service %s/%s not found", cluster, service)
		}
		v := rollout.Decide(taskDefinition, previousTaskDefinition, deployments(out.Services[0].Deployments))
		switch v.State {
		case rollout.Completed:
			return fmt.Sprintf("%s/%s stable after %s: %s", cluster, service, time.Since(start).Round(time.Second), v.Detail), nil
		case rollout.Failed:
			return "", fmt.Errorf("ECS service %s/%s: %s", cluster, service, v.Detail)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("ECS service %s/%s: rollout not complete after %s: %s", cluster, service, limit, v.Detail)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}

// deployments converts the SDK's deployments for rollout.Decide.
func deployments(ds []ecstypes.Deployment) []rollout.Deployment {
	out := make([]rollout.Deployment, 0, len(ds))
	for _, d := range ds {
		out = append(out, rollout.Deployment{
			ID:                 aws.ToString(d.Id),
			Status:             aws.ToString(d.Status),
			TaskDefinition:     aws.ToString(d.TaskDefinition),
			RolloutState:       string(d.RolloutState),
			RolloutStateReason: aws.ToString(d.RolloutStateReason),
			Running:            int(d.RunningCount),
			Desired:            int(d.DesiredCount),
		})
	}
	return out
}
