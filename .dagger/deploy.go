package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"dagger/eventmall/deploylock"
	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/notify"
	"dagger/eventmall/pipeline"
	"dagger/eventmall/stackio"
	"dagger/eventmall/tfplan"
)

// Deploy takes the shop from source to AWS in dependency order: tests and
// builds first (nothing is applied or published if one fails), then the
// Terraform stacks base → network → edge ∥ data, the frontend synced as soon
// as edge is applied and the image pushed as soon as data is, then the
// service stack with the image digest and the data endpoints, a wait for
// ECS to be stable, and a smoke test. Each stage is reported in one Slack
// thread. A failed stage stops the chain and is named in the error.
// Before anything, a freeze stage refuses a deploy inside a freeze window
// around a drop's midnight (computed from the environment's scaling
// schedule and the catalogue's drop dates) unless a break-glass reason is given.
// The base stack (CI identities, audit trail) is never applied here: a plan
// with changes to it stops the deploy ("apply base as an administrator").
// A plan that deletes or replaces a protected resource (database, cache,
// buckets, repositories, distribution, keys) stops it too, unless
// --allow-destroy names that resource.
// +cache="never"
func (m *Eventmall) Deploy(
	ctx context.Context,
	// AWS access key id (short-lived credentials from OIDC preferred).
	awsAccessKeyId *dagger.Secret,
	// AWS secret access key.
	awsSecretAccessKey *dagger.Secret,
	// AWS session token, for temporary credentials.
	// +optional
	awsSessionToken *dagger.Secret,
	// AWS region.
	// +optional
	// +default="us-east-1"
	region string,
	// S3 bucket holding Terraform state.
	stateBucket string,
	// DynamoDB table locking Terraform state.
	lockTable string,
	// Environment: the state key prefix and a variable of every stack.
	// +optional
	// +default="prod"
	environment string,
	// Slack bot token; without it, no Slack messages are sent.
	// +optional
	slackToken *dagger.Secret,
	// Slack channel for the deploy thread.
	// +optional
	slackChannel string,
	// Slack Web API base URL; only for tests against a local recorder.
	// +optional
	slackApiUrl string,
	// Endpoint URL for every AWS API; only for a rehearsal against an emulator.
	// +optional
	awsEndpointUrl string,
	// Folder of the Terraform stacks; the rehearsal uses terraform/fixtures/rehearsal.
	// +optional
	// +default="terraform/stacks"
	stacksPath string,
	// Deploy inside a freeze window anyway, for this reason (shown in the deploy's Slack thread).
	// +optional
	breakGlass string,
	// The time the freeze is judged at, RFC 3339; only for rehearsals (default: now).
	// +optional
	now string,
	// Protected resources this deploy may delete or replace, each as
	// stack:address (e.g. data:module.database.aws_rds_cluster.this), as the
	// refusing plan lists them.
	// +optional
	allowDestroy []string,
	// Name of this run in the deploy lock (e.g. the CI run id); default: time and random.
	// +optional
	runId string,
	// How long to wait for another deploy of the environment holding the
	// deploy lock before giving up, e.g. 10m; 0s: refuse at once.
	// +optional
	// +default="0s"
	lockWait string,
	// How long the deploy lock lasts if this run dies without releasing it.
	// +optional
	// +default="2h"
	lockTtl string,
) (string, error) {
	opts, err := deployOptionsOf(allowDestroy, runId, lockWait, lockTtl)
	if err != nil {
		return "", err
	}
	report, _, err := m.deploy(ctx, awsAccessKeyId, awsSecretAccessKey, awsSessionToken, region, stateBucket, lockTable,
		environment, slackToken, slackChannel, slackApiUrl, awsEndpointUrl, stacksPath, breakGlass, now, opts)
	return report, err
}

// deployOptions are a deploy's safety settings: what it may delete or
// replace, and its place in the deploy lock.
type deployOptions struct {
	// allowDestroy: the --allow-destroy values, stack:address.
	allowDestroy []string
	// lock: this run in the deploy lock; lockWait: how long to wait for it.
	lock     deploylock.Holder
	lockWait time.Duration
}

// deployOptionsOf checks Deploy's safety arguments before anything runs.
func deployOptionsOf(allowDestroy []string, runID, lockWait, lockTTL string) (deployOptions, error) {
	if err := tfplan.ValidateAllows(allowDestroy, stackio.Order); err != nil {
		return deployOptions{}, err
	}
	wait, err := time.ParseDuration(lockWait)
	if err != nil || wait < 0 {
		return deployOptions{}, fmt.Errorf("--lock-wait=%q: want a duration such as 0s or 10m", lockWait)
	}
	ttl, err := time.ParseDuration(lockTTL)
	if err != nil || ttl < time.Minute {
		return deployOptions{}, fmt.Errorf("--lock-ttl=%q: want a duration of at least 1m, such as 2h", lockTTL)
	}
	if runID == "" {
		runID = newRunID()
	}
	return deployOptions{allowDestroy: allowDestroy, lock: deploylock.Holder{RunID: runID, TTL: ttl}, lockWait: wait}, nil
}

// deploy is Deploy, also returning each stage's result.
func (m *Eventmall) deploy(ctx context.Context, awsAccessKeyId, awsSecretAccessKey, awsSessionToken *dagger.Secret,
	region, stateBucket, lockTable, environment string, slackToken *dagger.Secret, slackChannel, slackApiUrl,
	awsEndpointUrl, stacksPath, breakGlass, now string, opts deployOptions,
) (string, []notify.StageResult, error) {
	clock, err := parseNow(now)
	if err != nil {
		return "", nil, err
	}
	a := m.Aws(awsAccessKeyId, awsSecretAccessKey, awsSessionToken, region, awsEndpointUrl)
	notifier, err := newNotifier(ctx, slackToken, slackChannel, slackApiUrl)
	if err != nil {
		return "", nil, err
	}
	d := &deployment{
		m: m, aws: a, stateBucket: stateBucket, lockTable: lockTable,
		environment: environment, stacksPath: stacksPath, allowDestroy: opts.allowDestroy,
		lock: opts.lock, lockWait: opts.lockWait,
		run:    &pipeline.Runner{Notifier: notifier, LogTail: logTail, Logf: progress},
		freeze: m.freezeStage(environment, clock, breakGlass),
	}
	revision, _ := m.Source.Digest(ctx)
	revision = strings.TrimPrefix(revision, "sha256:")
	if len(revision) > 12 {
		revision = revision[:12]
	}
	info := notify.Deploy{Environment: environment, Region: region, Revision: revision, AllowDestroy: opts.allowDestroy}
	if err := notifier.Start(ctx, info); err != nil {
		progress("! %v", err)
	}

	start := time.Now()
	err = d.deploy(ctx)
	status, failed := notify.Succeeded, ""
	if f := d.run.Failure(); f != nil {
		status, failed = notify.Failed, f.Stage
	} else if err != nil {
		status, failed = notify.Failed, "deploy"
	}
	if nerr := notifier.Finish(context.WithoutCancel(ctx), status, failed, time.Since(start)); nerr != nil {
		progress("! %v", nerr)
	}
	results := d.run.Results()
	report := renderReport(results, time.Since(start))
	if err != nil {
		if f := d.run.Failure(); f != nil {
			err = f
		}
		return "", results, fmt.Errorf("deploy failed at stage %s\n%s\n%w", failed, report, err)
	}
	return report, results, nil
}

// deployment is one run of Deploy.
type deployment struct {
	// freeze is the first stage: no deploy inside a freeze window.
	freeze      func(context.Context) (string, error)
	m           *Eventmall
	aws         *Aws
	stateBucket string
	lockTable   string
	environment string
	stacksPath  string
	// allowDestroy: the --allow-destroy values, stack:address.
	allowDestroy []string
	// lock: this run in the deploy lock; lockWait: how long to wait for it.
	lock     deploylock.Holder
	lockWait time.Duration
	run      *pipeline.Runner
}

func (d *deployment) deploy(ctx context.Context) error {
	// 0. The freeze: from the repository alone, before any Terraform runs.
	if err := d.run.Stage(ctx, "freeze", d.freeze); err != nil {
		return err
	}

	// 1. The gate: tests and builds, concurrently. Nothing below runs unless
	// all of them pass.
	site := d.m.BuildFrontend()
	image := d.m.BackendImage()
	gate, gctx := errgroup.WithContext(ctx)
	for _, s := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"test-frontend", d.m.TestFrontend},
		{"test-backend", d.m.TestBackend},
		{"validate-catalog", d.m.ValidateCatalog},
		{"terraform-policy", d.m.TerraformPolicy},
		{"build-frontend", func(ctx context.Context) error { _, err := site.Sync(ctx); return err }},
		{"backend-image", func(ctx context.Context) error { _, err := image.Sync(ctx); return err }},
	} {
		gate.Go(func() error { return d.run.Stage(gctx, s.name, noDetail(s.fn)) })
	}
	if err := gate.Wait(); err != nil {
		return err
	}

	// One deploy of the environment at a time: the lock is taken before the
	// first plan and released at the end, whatever happened.
	if err := d.run.Stage(ctx, "deploy-lock", func(ctx context.Context) (string, error) {
		if err := d.aws.acquireDeployLock(ctx, d.lockTable, d.environment, d.lock, d.lockWait); err != nil {
			return "", err
		}
		return "run " + d.lock.RunID, nil
	}); err != nil {
		return err
	}
	defer func() {
		if err := d.aws.releaseDeployLock(context.WithoutCancel(ctx), d.lockTable, d.environment, d.lock.RunID); err != nil {
			progress("! releasing the deploy lock: %v", err)
		} else {
			progress("deploy lock %s released", deploylock.Key(d.environment))
		}
	}()

	// 2. Foundation stacks, in order.
	var base stackio.BaseOutputs
	if err := d.stack(ctx, stackio.Base, stackio.BaseInputs(), &base); err != nil {
		return err
	}
	var network stackio.NetworkOutputs
	if err := d.stack(ctx, stackio.Network, stackio.NetworkInputs(base), &network); err != nil {
		return err
	}

	// 3. Edge and data in parallel; each feeds its delivery step at once.
	var (
		edge     stackio.EdgeOutputs
		data     stackio.DataOutputs
		imageRef string
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := d.stack(gctx, stackio.Edge, stackio.EdgeInputs(network), &edge); err != nil {
			return err
		}
		return d.run.Stage(gctx, "sync-frontend", func(ctx context.Context) (string, error) {
			return d.aws.SyncFrontend(ctx, edge.SiteBucketName, edge.DistributionID, site, "24h")
		})
	})
	g.Go(func() error {
		if err := d.stack(gctx, stackio.Data, stackio.DataInputs(base, network), &data); err != nil {
			return err
		}
		return d.run.Stage(gctx, "publish-backend", func(ctx context.Context) (string, error) {
			ref, err := d.aws.PublishBackend(ctx, data.RepositoryURL, image, "")
			imageRef = ref
			return ref, err
		})
	})
	if err := g.Wait(); err != nil {
		return err
	}

	// 4. The service, with the new image and the data tier's endpoints.
	var service stackio.ServiceOutputs
	if err := d.stack(ctx, stackio.Service, stackio.ServiceInputs(base, network, edge, data, imageRef), &service); err != nil {
		return err
	}
	if err := d.run.Stage(ctx, "wait-service-stable", func(ctx context.Context) (string, error) {
		return d.aws.WaitServiceStable(ctx, service.ClusterName, service.ServiceName, "15m")
	}); err != nil {
		return err
	}
	return d.run.Stage(ctx, "smoke-test", func(ctx context.Context) (string, error) {
		return d.m.SmokeTest(ctx, edge.SiteURL, service.APIHealthURL, "5m")
	})
}

// stack plans and applies one stack (two stages, so Slack shows the plan
// summary before the apply) and decodes its outputs into out.
func (d *deployment) stack(ctx context.Context, name string, inputs map[string]any, out any) error {
	b, err := json.Marshal(inputs)
	if err != nil {
		return err
	}
	s, err := d.aws.Stack(name, d.stateBucket, d.lockTable, d.environment, d.stacksPath).WithInputs(string(b))
	if err != nil {
		return err
	}
	var plan *TerraformPlan
	if err := d.run.Stage(ctx, "plan "+name, func(ctx context.Context) (string, error) {
		plan, err = s.Plan(ctx, false)
		if err != nil {
			return "", err
		}
		// Refused before anything is applied: changes to base, and deletes
		// or replacements of protected resources not named by --allow-destroy.
		allowed, err := tfplan.Guard(name, plan.parsed, d.allowDestroy)
		if err != nil {
			return plan.Summary, err
		}
		if len(allowed) > 0 {
			return fmt.Sprintf("%s, allowed to delete or replace %d protected", plan.Summary, len(allowed)), nil
		}
		return plan.Summary, nil
	}); err != nil {
		return err
	}
	// Once started, an apply runs to its end even if a sibling stage fails
	// meanwhile: cut off, terraform would leave the state unsaved and the
	// lock held (the next deploy would wait for it, then fail).
	return d.run.StageToEnd(ctx, "apply "+name, func(ctx context.Context) (string, error) {
		// Nothing to change: the outputs are read from the state the plan saw.
		detail, raw := "no changes, nothing applied", ""
		if plan.HasChanges {
			detail = plan.Summary + " applied"
			raw, err = plan.apply(ctx)
		} else {
			raw, err = s.rawOutputs(ctx, plan.Workspace)
		}
		if err != nil {
			return "", err
		}
		return detail, stackio.Decode(name, []byte(raw), out)
	})
}

func noDetail(fn func(context.Context) error) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) { return "", fn(ctx) }
}

// progress prints a line in the engine's progress output.
func progress(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }

func renderReport(results []notify.StageResult, total time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %-10s %9s  %s\n", "STAGE", "RESULT", "SECONDS", "DETAIL")
	for _, r := range results {
		fmt.Fprintf(&b, "%-22s %-10s %9.1f  %s\n", r.Stage, r.Status, r.Duration.Seconds(), r.Detail)
	}
	fmt.Fprintf(&b, "%-22s %-10s %9.1f\n", "total", "", total.Seconds())
	return b.String()
}

// newNotifier returns the Slack notifier, or one that sends nothing when
// no token is given (said once, here).
func newNotifier(ctx context.Context, token *dagger.Secret, channel, apiURL string) (notify.Notifier, error) {
	if token == nil {
		progress("Slack: no --slack-token given; notifications are off for this run")
		return notify.Discard{}, nil
	}
	if channel == "" {
		return nil, fmt.Errorf("--slack-channel is required with --slack-token")
	}
	plain, err := token.Plaintext(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the Slack token: %w", err)
	}
	return notify.NewSlack(plain, channel, apiURL), nil
}
