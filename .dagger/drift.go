package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"golang.org/x/sync/errgroup"

	"dagger/eventmall/drift"
	"dagger/eventmall/freeze"
	"dagger/eventmall/history"
	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/notify"
	"dagger/eventmall/rollout"
	"dagger/eventmall/stackio"
)

// Drift reports where what runs in the environment differs from the last deploy, changing
// nothing: every stack of the graph planned with the deployed inputs (its
// upstream stacks' outputs from their state, the image of the last
// successful deploy; data source reads and output-only changes ignored) and
// the site's objects against the build of this source, the ECS service's
// PRIMARY image and the state's against the last deploy, the scheduled
// scale-out and scale-in actions against the environment's schedule and
// time zone. One Slack message;
// a non-zero exit when there is drift.
// +cache="never"
func (e *Environment) Drift(ctx context.Context) (string, error) {
	r, err := e.module().drift(ctx, e.Aws, e.StateBucket, e.LockTable, e.Name, e.StacksPath)
	if err != nil {
		return "", err
	}
	findings := r.findings
	report := drift.Render(e.Name, findings, r.checked)
	if err := e.postReport(ctx, report); err != nil {
		progress("! %v", err)
	}
	if len(findings) > 0 {
		return "", fmt.Errorf("%s", report)
	}
	return report, nil
}

// postReport sends one stand-alone Slack message when a token is given.
func postReport(ctx context.Context, token *dagger.Secret, channel, apiURL, text string) error {
	n, err := newNotifier(ctx, token, channel, apiURL)
	if err != nil {
		return err
	}
	if s, ok := n.(*notify.Slack); ok {
		return s.Message(ctx, text)
	}
	return nil
}

// driftResult is what drift found and what it checked, with the stacks'
// outputs it read (from their state) on the way.
type driftResult struct {
	findings []drift.Finding
	checked  []string
	last     history.Record
	outputs  map[string]stackio.Outputs
	// runningImage is the image of the ECS service's PRIMARY deployment.
	runningImage string
}

func (m *Eventmall) drift(ctx context.Context, a *Aws, stateBucket, lockTable, environment, stacksPath string) (*driftResult, error) {
	rs, err := a.records(ctx, stateBucket, environment)
	if err != nil {
		return nil, err
	}
	last, ok := history.LastGood(rs)
	if !ok {
		return nil, fmt.Errorf("drift: no successful deploy of %s recorded in s3://%s/%s; nothing to compare with", environment, stateBucket, history.Prefix(environment))
	}
	graph, err := stackio.Load()
	if err != nil {
		return nil, err
	}
	// Every stack's outputs as its state holds them: the inputs of the
	// stacks downstream, as the last deploy gave them.
	values := stackio.NewValues()
	b, _ := json.Marshal(last.Image)
	values.Steps["step.publish-backend.image"] = b
	var missing []string
	for _, name := range graph.Names() {
		raw, found, err := a.stateOutputs(ctx, stateBucket, stateKey(environment, name))
		if err != nil {
			return nil, err
		}
		if !found {
			missing = append(missing, name)
			continue
		}
		if values.Stacks[name], err = stackio.DecodeOutputs(name, []byte(raw)); err != nil {
			return nil, err
		}
	}
	res := &driftResult{last: last, checked: []string{"stacks (deployed inputs, image of " + last.ID + ")"}, outputs: values.Stacks}
	for _, name := range missing {
		res.findings = append(res.findings, drift.Finding{Area: "stack " + name, What: "not deployed: no outputs in its state"})
	}
	if len(missing) > 0 {
		return res, nil
	}
	// Plans only, no lock taken: two at a time on a small machine.
	found := make([][]drift.Finding, len(graph.Names()))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for i, name := range graph.Names() {
		inputs, err := graph.StackInputs(name, values)
		if err != nil {
			return nil, err
		}
		in, _ := json.Marshal(inputs)
		s, err := a.stack(name, stateBucket, lockTable, environment, stacksPath).WithInputs(string(in))
		if err != nil {
			return nil, err
		}
		g.Go(func() error {
			p, err := s.plan(gctx, false, false)
			if err != nil {
				return err
			}
			return json.Unmarshal([]byte(p.Drift), &found[i])
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, fs := range found {
		res.findings = append(res.findings, fs...)
	}
	if e := resolvedEngineLabel(); e != "" {
		res.checked[0] += ", planned by " + e
	}

	// The site: the bucket against the build.
	local, dir, err := exportSite(ctx, m.BuildFrontend())
	if dir != "" {
		defer os.RemoveAll(dir)
	}
	if err != nil {
		return nil, err
	}
	client, err := a.s3Client(ctx)
	if err != nil {
		return nil, err
	}
	bucket := str(values.Stacks["edge"], "site_bucket_name")
	remote, err := listObjects(ctx, client, bucket)
	if err != nil {
		return nil, err
	}
	res.findings = append(res.findings, drift.Site(local, remote)...)
	res.checked = append(res.checked, "site objects of s3://"+bucket+" vs the build")

	// What the service runs, and its scheduled scaling.
	svc := values.Stacks["service"]
	fs, checked, running, err := m.serviceDrift(ctx, a, stateBucket, environment, str(svc, "cluster_name"), str(svc, "service_name"), last)
	if err != nil {
		return nil, err
	}
	res.findings, res.checked, res.runningImage = append(res.findings, fs...), append(res.checked, checked...), running
	return res, nil
}

// serviceDrift compares the ECS service's PRIMARY deployment with the last
// deploy (the image of its task definition, and of the one the service
// stack's state holds) and its scheduled actions with the environment's
// schedule and time zone (terraform/environments).
func (m *Eventmall) serviceDrift(ctx context.Context, a *Aws, stateBucket, environment, cluster, service string, last history.Record) ([]drift.Finding, []string, string, error) {
	var findings []drift.Finding
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	client := ecs.NewFromConfig(cfg)
	ds, err := client.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: &cluster, Services: []string{service}})
	if err != nil {
		return nil, nil, "", fmt.Errorf("drift: ecs:DescribeServices %s/%s: %w", cluster, service, err)
	}
	primary := ""
	for _, s := range ds.Services {
		primary = aws.ToString(s.TaskDefinition)
		for _, dep := range s.Deployments {
			if aws.ToString(dep.Status) == "PRIMARY" {
				primary = aws.ToString(dep.TaskDefinition)
			}
		}
	}
	running := ""
	if primary == "" {
		findings = append(findings, drift.Finding{Area: "ecs", What: fmt.Sprintf("the service %s/%s has no PRIMARY deployment", cluster, service)})
	} else {
		td, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: &primary})
		if err != nil {
			return nil, nil, "", fmt.Errorf("drift: ecs:DescribeTaskDefinition %s: %w", primary, err)
		}
		for _, c := range td.TaskDefinition.ContainerDefinitions {
			if aws.ToBool(c.Essential) || running == "" {
				running = aws.ToString(c.Image)
			}
		}
		if running != last.Image {
			findings = append(findings, drift.Finding{Area: "ecs", What: fmt.Sprintf("PRIMARY %s runs %s, deploy %s released %s", rollout.Short(primary), shortRef(running), last.ID, shortRef(last.Image))})
		}
	}
	if td, err := a.stateTaskDefinition(ctx, stateBucket, stateKey(environment, "service")); err != nil {
		return nil, nil, "", err
	} else if c, err := containerOf(td, ""); err != nil {
		return nil, nil, "", err
	} else if c.Image != last.Image {
		findings = append(findings, drift.Finding{Area: "stack service", What: fmt.Sprintf("the state's task definition runs %s, deploy %s released %s", shortRef(c.Image), last.ID, shortRef(last.Image))})
	}

	settings, err := m.environmentSettings(ctx, environment)
	if err != nil {
		return nil, nil, "", err
	}
	fz, err := freeze.SettingsFrom(settings)
	if err != nil {
		return nil, nil, "", err
	}
	resource := "service/" + cluster + "/" + service
	sa, err := applicationautoscaling.NewFromConfig(cfg).DescribeScheduledActions(ctx, &applicationautoscaling.DescribeScheduledActionsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: &resource,
	})
	if err != nil {
		return nil, nil, "", fmt.Errorf("drift: application-autoscaling:DescribeScheduledActions %s: %w", resource, err)
	}
	var actions []drift.ScheduledAction
	for _, x := range sa.ScheduledActions {
		actions = append(actions, drift.ScheduledAction{Name: aws.ToString(x.ScheduledActionName), Schedule: aws.ToString(x.Schedule), Timezone: aws.ToString(x.Timezone)})
	}
	findings = append(findings, drift.Scaling(fz.ScaleOut, fz.ScaleIn, fz.TimeZone, actions)...)
	return findings, []string{"ECS PRIMARY and the state's task definition vs deploy " + last.ID, "scheduled scaling of " + resource}, running, nil
}

// shortRef is an image reference's digest, shortened for reports.
func shortRef(ref string) string {
	if _, d, ok := strings.Cut(ref, "@sha256:"); ok && len(d) > 12 {
		return "sha256:" + d[:12]
	}
	return ref
}
