package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
)

// WaitServiceStable waits until the ECS service runs its desired count of
// tasks of the newest deployment, as `aws ecs wait services-stable` does.
// +cache="never"
func (a *Aws) WaitServiceStable(
	ctx context.Context,
	// ECS cluster name (service stack output cluster_name).
	cluster string,
	// ECS service name (service stack output service_name).
	service string,
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
	start := time.Now()
	waiter := ecs.NewServicesStableWaiter(ecs.NewFromConfig(cfg), func(o *ecs.ServicesStableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 2*time.Second, 15*time.Second
	})
	in := &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{service}}
	if err := waiter.Wait(ctx, in, limit); err != nil {
		return "", fmt.Errorf("ECS service %s/%s not stable after %s: %w", cluster, service, limit, err)
	}
	return fmt.Sprintf("%s/%s stable after %s", cluster, service, time.Since(start).Round(time.Second)), nil
}
