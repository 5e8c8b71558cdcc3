package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"dagger/eventmall/dbrelease"
	"dagger/eventmall/taskdef"
)

// RunDbRelease runs the new image's release once on AWS, as an ECS one-off
// task: the service's current task definition with the new image, its
// container turned into the migrator's (dbrelease.Migrator: the master
// secret's credentials, told where the app user's secret and the session
// keys are) running dbrelease.Steps (migrations and the catalogue load, the
// app user's grant and a fresh password, the first session key), as the
// service stack's migrator role (execution and task role), registered as
// the family NAME-db-release, run in the service's subnets and security
// groups and waited for. Fails, with the task's stop reason, unless the
// container exits 0. It carries the task definition's tags (the deployer's
// permissions are scoped by them).
// +cache="never"
func (a *Aws) RunDbRelease(
	ctx context.Context,
	// ECS cluster name (service stack output cluster_name).
	cluster string,
	// ECS service name (service stack output service_name).
	service string,
	// The new image, pinned by digest (publish-backend's result).
	image string,
	// The RDS-managed master secret (data stack output database_master_secret_arn).
	masterSecretArn string,
	// The application user's secret the release writes (data stack output database_secret_arn).
	appSecretArn string,
	// The application user's name (data stack output database_app_username).
	appUsername string,
	// The session keys' secret (service stack output session_keys_secret_arn).
	sessionKeysSecretArn string,
	// The role the release task runs as (service stack output migrator_role_arn).
	migratorRoleArn string,
	// How long to wait for the task.
	// +optional
	// +default="15m"
	timeout string,
) (string, error) {
	limit, err := time.ParseDuration(timeout)
	if err != nil {
		return "", fmt.Errorf("timeout %q: %w", timeout, err)
	}
	secrets := dbrelease.Secrets{MasterSecretArn: masterSecretArn, AppSecretArn: appSecretArn, AppUsername: appUsername, SessionKeysSecretArn: sessionKeysSecretArn}
	return a.runReleaseTask(ctx, cluster, service, image, secrets, migratorRoleArn, limit, dbrelease.ShellCommand(), nil, "-db-release")
}

// runReleaseTask runs command once as an ECS one-off task of the service's
// current task definition, its container turned into the migrator's
// (dbrelease.Migrator) with env added, as the migrator role, in the
// service's subnets and security groups, registered as the family
// NAME+suffix, and waits for it to exit 0. image "" keeps the running
// task definition's image.
func (a *Aws) runReleaseTask(ctx context.Context, cluster, service, image string, secrets dbrelease.Secrets, migratorRoleArn string, limit time.Duration, command []string, env map[string]string, suffix string) (string, error) {
	if !strings.HasPrefix(migratorRoleArn, "arn:") {
		return "", fmt.Errorf("migrator role %q is not a role ARN (service stack output migrator_role_arn)", migratorRoleArn)
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
			m, err := migratorOf(containers[i], secrets)
			if err != nil {
				return "", err
			}
			if image != "" {
				containers[i].Image = aws.String(image)
			}
			for k, v := range env {
				m.Environment[k] = v
			}
			containers[i].Command = command
			containers[i].EntryPoint = nil
			containers[i].Environment = nil
			for _, k := range m.EnvNames() {
				containers[i].Environment = append(containers[i].Environment, ecstypes.KeyValuePair{Name: aws.String(k), Value: aws.String(m.Environment[k])})
			}
			containers[i].Secrets = nil
			for _, k := range m.SecretNames() {
				containers[i].Secrets = append(containers[i].Secrets, ecstypes.Secret{Name: aws.String(k), ValueFrom: aws.String(dbrelease.ValueFrom(m.Secrets[k]))})
			}
			// A one-off task serves nothing: no health check, no port.
			containers[i].HealthCheck = nil
			containers[i].PortMappings = nil
			name = aws.ToString(containers[i].Name)
		}
	}
	reg, err := client.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String(aws.ToString(old.Family) + suffix),
		ContainerDefinitions:    containers,
		Cpu:                     old.Cpu,
		Memory:                  old.Memory,
		NetworkMode:             old.NetworkMode,
		RequiresCompatibilities: old.RequiresCompatibilities,
		// The migrator's role: ECS reads the master secret with it, the
		// release writes the app user's secret and the session keys with it.
		ExecutionRoleArn: aws.String(migratorRoleArn),
		TaskRoleArn:      aws.String(migratorRoleArn),
		RuntimePlatform:  old.RuntimePlatform,
		Volumes:          old.Volumes,
		Tags:             td.Tags,
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
		return "", fmt.Errorf("%s task %s failed: exit code %s, %s (%s); its log is in the service's log group, stream prefix api",
			strings.TrimPrefix(suffix, "-"), lastPart(taskArn), code, aws.ToString(c.Reason), aws.ToString(t.StoppedReason))
	}
	return "", fmt.Errorf("db-release task %s has no container %s (%s)", lastPart(taskArn), name, aws.ToString(t.StoppedReason))
}

// migratorOf is dbrelease.Migrator of an ECS container definition (the
// SDK's JSON field names match taskdef's case-insensitively).
func migratorOf(c ecstypes.ContainerDefinition, s dbrelease.Secrets) (taskdef.Container, error) {
	b, err := json.Marshal([]ecstypes.ContainerDefinition{c})
	if err != nil {
		return taskdef.Container{}, err
	}
	cs, err := taskdef.Parse(string(b))
	if err != nil {
		return taskdef.Container{}, fmt.Errorf("the service's container definition: %w", err)
	}
	return dbrelease.Migrator(cs[0], s)
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

// rehearsalDbRelease is the release in a rehearsal: the same steps in the
// same container configuration (the service's task definition with the new
// image, turned into the migrator's), run in the engine against the data
// stand-ins and the emulator's Secrets Manager, one step after the other.
func (a *Aws) rehearsalDbRelease(ctx context.Context, c taskdef.Container, s dbrelease.Secrets, tier *dataStandIns) (string, error) {
	m, err := dbrelease.Migrator(c, s)
	if err != nil {
		return "", err
	}
	ctr, err := a.taskContainer(ctx, m, tier)
	if err != nil {
		return "", err
	}
	ctr = ctr.WithEnvVariable("CACHE_BUSTER", cacheBuster())
	var done []string
	for _, step := range dbrelease.Steps {
		ctr = ctr.WithExec(step)
		out, err := ctr.Stdout(ctx)
		if err != nil {
			return "", execErr(strings.Join(step, " ")+" (release, in the new image, as the migrator)", err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		done = append(done, strings.TrimPrefix(step[1], "src/cli/")+": "+summarizeRelease(lines[len(lines)-1]))
	}
	return "in the new image, as the migrator: " + strings.Join(done, "; "), nil
}

// summarizeRelease shortens db-release's final JSON log line for the report.
func summarizeRelease(line string) string {
	if len(line) > 300 {
		return line[:300] + "…"
	}
	return line
}
