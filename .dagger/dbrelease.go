package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/eventmall/taskdef"
)

// dbReleaseCommand prepares the database for an image: migrations and the
// catalogue load (backend/src/cli/db-release.js), run once per deploy from
// the new image before the service is updated. Tasks never do it at start.
var dbReleaseCommand = []string{"node", "src/cli/db-release.js"}

// RunDbRelease runs the new image's db-release once on AWS, as an ECS
// one-off task: the service's current task definition with the new image
// and the db-release command, registered as the family NAME-db-release, run
// in the service's subnets and security groups and waited for. Fails, with
// the task's stop reason, unless the container exits 0. It carries the task
// definition's tags (the deployer's permissions are scoped by them).
// +cache="never"
func (a *Aws) RunDbRelease(
	ctx context.Context,
	// ECS cluster name (service stack output cluster_name).
	cluster string,
	// ECS service name (service stack output service_name).
	service string,
	// The new image, pinned by digest (publish-backend's result).
	image string,
	// How long to wait for the task.
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
	out, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{service}})
	if err != nil {
		return "", fmt.Errorf("ecs:DescribeServices %s/%s: %w", cluster, service, err)
	}
	if len(out.Services) != 1 {
		return "", fmt.Errorf("no ECS service %s/%s", cluster, service)
	}
	svc := out.Services[0]
	// With its tags: the deployer may register and run only the event's (tagged) task definitions.
	td, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: svc.TaskDefinition, Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags},
	})
	if err != nil {
		return "", fmt.Errorf("ecs:DescribeTaskDefinition: %w", err)
	}
	old := td.TaskDefinition
	containers := append([]ecstypes.ContainerDefinition(nil), old.ContainerDefinitions...)
	name := ""
	for i := range containers {
		if aws.ToBool(containers[i].Essential) || len(containers) == 1 {
			containers[i].Image = aws.String(image)
			containers[i].Command = dbReleaseCommand
			// A one-off task serves nothing: no health check, no port.
			containers[i].HealthCheck = nil
			containers[i].PortMappings = nil
			name = aws.ToString(containers[i].Name)
		}
	}
	reg, err := client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(aws.ToString(old.Family) + "-db-release"),
		ContainerDefinitions:    containers,
		Cpu:                     old.Cpu,
		Memory:                  old.Memory,
		NetworkMode:             old.NetworkMode,
		RequiresCompatibilities: old.RequiresCompatibilities,
		ExecutionRoleArn:        old.ExecutionRoleArn,
		TaskRoleArn:             old.TaskRoleArn,
		RuntimePlatform:         old.RuntimePlatform,
		Volumes:                 old.Volumes,
		Tags:                    td.Tags,
	})
	if err != nil {
		return "", fmt.Errorf("ecs:RegisterTaskDefinition (db-release): %w", err)
	}
	tdArn := aws.ToString(reg.TaskDefinition.TaskDefinitionArn)
	run, err := client.RunTask(ctx, &ecs.RunTaskInput{
		Cluster: &cluster, TaskDefinition: &tdArn, Count: aws.Int32(1),
		LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: svc.NetworkConfiguration,
		StartedBy: aws.String("eventmall-deploy"),
	})
	if err != nil {
		return "", fmt.Errorf("ecs:RunTask %s: %w", tdArn, err)
	}
	if len(run.Failures) > 0 || len(run.Tasks) != 1 {
		return "", fmt.Errorf("ecs:RunTask %s: %s", tdArn, runFailures(run.Failures))
	}
	taskArn := aws.ToString(run.Tasks[0].TaskArn)
	start := time.Now()
	waiter := ecs.NewTasksStoppedWaiter(client, func(o *ecs.TasksStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 3*time.Second, 15*time.Second
	})
	desc := &ecs.DescribeTasksInput{Cluster: &cluster, Tasks: []string{taskArn}}
	if err := waiter.Wait(ctx, desc, limit); err != nil {
		return "", fmt.Errorf("db-release task %s did not stop within %s: %w", taskArn, limit, err)
	}
	tasks, err := client.DescribeTasks(ctx, desc)
	if err != nil || len(tasks.Tasks) != 1 {
		return "", fmt.Errorf("ecs:DescribeTasks %s: %v", taskArn, err)
	}
	t := tasks.Tasks[0]
	for _, c := range t.Containers {
		if aws.ToString(c.Name) != name {
			continue
		}
		if c.ExitCode != nil && *c.ExitCode == 0 {
			return fmt.Sprintf("task %s of %s exited 0 after %s", lastPart(taskArn), lastPart(tdArn), time.Since(start).Round(time.Second)), nil
		}
		code := "none"
		if c.ExitCode != nil {
			code = fmt.Sprint(*c.ExitCode)
		}
		return "", fmt.Errorf("db-release task %s failed: exit code %s, %s (%s); its log is in the service's log group, stream prefix api",
			lastPart(taskArn), code, aws.ToString(c.Reason), aws.ToString(t.StoppedReason))
	}
	return "", fmt.Errorf("db-release task %s has no container %s (%s)", lastPart(taskArn), name, aws.ToString(t.StoppedReason))
}

func runFailures(fs []ecstypes.Failure) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, aws.ToString(f.Arn)+": "+aws.ToString(f.Reason)+" "+aws.ToString(f.Detail))
	}
	if len(parts) == 0 {
		return "no task started"
	}
	return strings.Join(parts, "; ")
}

func lastPart(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// rehearsalDbRelease is db-release in a rehearsal: the same command in the
// same container configuration (the service's task definition with the new
// image), run in the engine against the data stand-ins.
func (a *Aws) rehearsalDbRelease(ctx context.Context, c taskdef.Container, tier *dataStandIns) (string, error) {
	ctr, err := a.taskContainer(ctx, c, tier)
	if err != nil {
		return "", err
	}
	out, err := ctr.
		WithEnvVariable("CACHE_BUSTER", cacheBuster()).
		WithExec(dbReleaseCommand).
		Stdout(ctx)
	if err != nil {
		return "", execErr("db-release (node src/cli/db-release.js in the new image)", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return "in the new image: " + summarizeRelease(lines[len(lines)-1]), nil
}

// summarizeRelease shortens db-release's final JSON log line for the report.
func summarizeRelease(line string) string {
	if len(line) > 300 {
		return line[:300] + "…"
	}
	return line
}
