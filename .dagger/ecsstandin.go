package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	gosync "sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/rollout"
	"dagger/eventmall/taskdef"
)

// Rehearsal only: a stand-in for ECS itself.
//
// In a rehearsal nothing runs ECS: the emulator (moto) keeps services and
// task definitions but schedules no task and rolls nothing out (its
// UpdateService even leaves the PRIMARY deployment on the old task
// definition). ecsStandIn plays ECS's part, so that wait-service-stable
// verifies what the emulator then reports:
//   - it registers the task definition terraform applied (read from the
//     service stack's state: image by digest, environment, secrets, port,
//     command, health check) and updates the service to it;
//   - it starts the task as a container from that task definition
//     (standins.go) and probes its health check URL;
//   - healthy: it plays the scheduler, replacing the emulator's service by
//     one whose PRIMARY deployment runs the new task definition, rollout
//     COMPLETED; unhealthy: it plays the circuit breaker, setting the service
//     back to the old task definition, as ECS leaves it after a rollback.
//
// The running task stays up behind the edge stand-in for the smoke test.

type standInResult struct {
	previous, registered, detail string
	// edgeURL serves the site and the API together, as CloudFront would
	// (empty after a rollback: no new task runs).
	edgeURL string
	// running are the task and the edge, stopped when the deploy ends.
	running []*dagger.Service
}

// stop kills the task and the edge stand-in (they keep no data): left to
// the end of the call, the engine waits out their grace period.
func (r standInResult) stop(ctx context.Context) {
	stopServices(ctx, true, r.running...)
}

// stopServices stops the services at once: each stop waits for its own
// container (0.2-0.8 s measured), so the call waits for the slowest, not
// for their sum. kill: SIGKILL instead of SIGTERM and its grace period.
func stopServices(ctx context.Context, kill bool, services ...*dagger.Service) {
	var wg gosync.WaitGroup
	for _, s := range services {
		if s == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = s.Stop(ctx, dagger.ServiceStopOpts{Kill: kill})
		}()
	}
	wg.Wait()
}

// unchangedSince names the deploy since which the service stack is
// unchanged (skipped): then, as ECS with nothing to roll out, no revision is
// registered and nothing rolled out; the PRIMARY's task is started (the
// stand-in's tasks live only as long as one deploy) for the smoke test.
func (a *Aws) ecsStandIn(ctx context.Context, cluster, service string, td taskdef.TaskDefinition, siteBucket string, tier *dataStandIns, unchangedSince string) (standInResult, error) {
	var r standInResult
	c, err := containerOf(td, "")
	if err != nil {
		return r, err
	}
	cfg, err := a.config(ctx)
	if err != nil {
		return r, err
	}
	client := ecs.NewFromConfig(cfg)
	cur, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{service}})
	if err != nil {
		return r, fmt.Errorf("ecs:DescribeServices %s/%s: %w", cluster, service, err)
	}
	if len(cur.Services) != 1 {
		return r, fmt.Errorf("no ECS service %s/%s in the emulator", cluster, service)
	}
	r.previous = aws.ToString(cur.Services[0].TaskDefinition)
	if unchangedSince != "" {
		r.registered, r.previous = r.previous, ""
		why, err := a.startTaskBehindEdge(ctx, c, tier, siteBucket, &r)
		if err != nil {
			return r, err
		}
		if why != "" {
			return r, fmt.Errorf("ECS stand-in: the task of %s (unchanged since deploy %s) failed: %s", rollout.Short(r.registered), unchangedSince, why)
		}
		r.detail = fmt.Sprintf("ECS stand-in: nothing to roll out (service unchanged since deploy %s), %s PRIMARY; its task started behind the edge stand-in at %s",
			unchangedSince, rollout.Short(r.registered), r.edgeURL)
		return r, nil
	}
	// The SDK's types carry the API's field names (capitalised); encoding/json
	// matches the state's jsonencode'd names case-insensitively.
	var containers []ecstypes.ContainerDefinition
	if err := json.Unmarshal([]byte(td.ContainerDefinitions), &containers); err != nil {
		return r, fmt.Errorf("%s: container_definitions: %w", td.Address, err)
	}
	compat := make([]ecstypes.Compatibility, 0, len(td.RequiresCompatibilities))
	for _, x := range td.RequiresCompatibilities {
		compat = append(compat, ecstypes.Compatibility(x))
	}
	reg, err := client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: &td.Family, ContainerDefinitions: containers, Cpu: &td.CPU, Memory: &td.Memory,
		NetworkMode: ecstypes.NetworkMode(td.NetworkMode), RequiresCompatibilities: compat,
		ExecutionRoleArn: &td.ExecutionRoleARN, TaskRoleArn: &td.TaskRoleARN,
	})
	if err != nil {
		return r, fmt.Errorf("ecs:RegisterTaskDefinition %s: %w", td.Family, err)
	}
	r.registered = aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
	if _, err := client.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: &cluster, Service: &service, TaskDefinition: &r.registered}); err != nil {
		return r, fmt.Errorf("ecs:UpdateService %s/%s: %w", cluster, service, err)
	}

	// The task, as the new task definition says.
	why, err := a.startTaskBehindEdge(ctx, c, tier, siteBucket, &r)
	if err != nil {
		return r, err
	}
	if why != "" {
		// The circuit breaker: back to the old task definition.
		if _, err := client.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: &cluster, Service: &service, TaskDefinition: &r.previous}); err != nil {
			return r, fmt.Errorf("ecs:UpdateService %s/%s (rollback): %w", cluster, service, err)
		}
		r.detail = fmt.Sprintf("ECS stand-in: the task of %s failed (%s); played a circuit-breaker rollback to %s",
			rollout.Short(r.registered), why, rollout.Short(r.previous))
		return r, nil
	}

	// The scheduler: a PRIMARY deployment of the new task definition.
	svc, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{service}})
	if err != nil || len(svc.Services) != 1 {
		return r, fmt.Errorf("ecs:DescribeServices %s/%s: %v", cluster, service, err)
	}
	s := svc.Services[0]
	if _, err := client.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: &cluster, Service: &service, Force: aws.Bool(true)}); err != nil {
		return r, fmt.Errorf("ecs:DeleteService %s/%s: %w", cluster, service, err)
	}
	in := &ecs.CreateServiceInput{
		Cluster: &cluster, ServiceName: &service, TaskDefinition: &r.registered,
		DesiredCount: aws.Int32(s.DesiredCount), LaunchType: s.LaunchType,
	}
	if s.NetworkConfiguration != nil && s.NetworkConfiguration.AwsvpcConfiguration != nil {
		in.NetworkConfiguration = s.NetworkConfiguration
	}
	if _, err := client.CreateService(ctx, in); err != nil {
		return r, fmt.Errorf("ecs:CreateService %s/%s: %w", cluster, service, err)
	}

	r.detail = fmt.Sprintf("ECS stand-in: %s rolled out (was %s); its task serves behind the edge stand-in at %s",
		rollout.Short(r.registered), rollout.Short(r.previous), r.edgeURL)
	return r, nil
}

// startTaskBehindEdge starts the task and the edge stand-in in front of
// it, the edge while the task's health check is probed (a deploy waits for
// the slower of the two, not their sum). Healthy: both are kept in r (to be
// stopped) and why is empty. Unhealthy: why says how, and the edge is
// stopped again. err: the edge did not start.
func (a *Aws) startTaskBehindEdge(ctx context.Context, c taskdef.Container, tier *dataStandIns, siteBucket string, r *standInResult) (why string, err error) {
	api, url, why := a.startTask(ctx, c, tier)
	if why != "" {
		return why, nil
	}
	var edge *dagger.Service
	var edgeURL string
	var edgeErr error
	edgeUp := make(chan struct{})
	go func() {
		defer close(edgeUp)
		if edge, edgeErr = a.edgeStandIn(api, c.Port, siteBucket).Start(ctx); edgeErr == nil {
			edgeURL, edgeErr = edge.Endpoint(ctx, dagger.ServiceEndpointOpts{Scheme: "http"})
		}
	}()
	why = probeHealth(url, c.HealthWindow)
	<-edgeUp
	if why != "" {
		if edge != nil {
			_, _ = edge.Stop(context.WithoutCancel(ctx))
		}
		_, _ = api.Stop(context.WithoutCancel(ctx))
		return why, nil
	}
	r.running = append(r.running, api)
	if edgeErr != nil {
		return "", fmt.Errorf("starting the edge stand-in: %w", edgeErr)
	}
	r.running = append(r.running, edge)
	r.edgeURL = edgeURL
	return "", nil
}

// startTask starts c as a service; its URL. why is non-empty when it did
// not start.
func (a *Aws) startTask(ctx context.Context, c taskdef.Container, tier *dataStandIns) (*dagger.Service, string, string) {
	ctr, err := a.taskContainer(ctx, c, tier)
	if err != nil {
		return nil, "", err.Error()
	}
	args, useEntrypoint := taskArgs(c)
	svc, err := ctr.WithEnvVariable("CACHE_BUSTER", cacheBuster()).
		AsService(dagger.ContainerAsServiceOpts{Args: args, UseEntrypoint: useEntrypoint}).Start(ctx)
	if err != nil {
		return nil, "", "did not start: " + firstLine(err.Error())
	}
	url, err := svc.Endpoint(ctx, dagger.ServiceEndpointOpts{Scheme: "http"})
	if err != nil {
		return nil, "", err.Error()
	}
	return svc, url, ""
}

// probeHealth fetches the task's health check URL (the one its task
// definition's health check fetches) as ECS and the ALB do, every 100 ms,
// for as long as ECS would give the task: its health check's startPeriod +
// interval × retries (c.HealthWindow; 30 s for a task definition without a
// health check). The task is usually healthy within a second or two of its
// start, after the warm-up its WARM_UP_MAX_MS bounds. Empty when healthy;
// otherwise the last answer or error.
func probeHealth(url string, window time.Duration) string {
	if window <= 0 {
		window = 30 * time.Second
	}
	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	for deadline := time.Now().Add(window); time.Now().Before(deadline); {
		resp, err := client.Get(url + "/healthz")
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return ""
			}
			last = fmt.Sprintf("/healthz answered %d %s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return "unhealthy: " + last
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
