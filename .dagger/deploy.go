package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	gosync "sync"
	"time"

	"golang.org/x/sync/errgroup"

	"dagger/eventmall/catalogue"
	"dagger/eventmall/dbrelease"
	"dagger/eventmall/deploylock"
	"dagger/eventmall/history"
	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/notify"
	"dagger/eventmall/pipeline"
	"dagger/eventmall/stackio"
	"dagger/eventmall/tfplan"
)

// Deploy takes the shop from source to AWS in dependency order. First a
// freeze stage refuses a deploy inside a freeze window around a drop's
// midnight (from the environment's scaling schedule and the catalogue's drop
// dates) unless a break-glass reason is given. Then tests and builds
// (nothing is applied or published if one fails), then the stack graph
// (stackio/graph.json): base → network → edge ∥ data, the frontend synced as
// soon as edge is applied and the image pushed as soon as data is (not again
// when its tag exists), db-release (migrations and catalogue, once, from the
// new image, before the service runs it), the service stack with the image
// digest and the data endpoints, a verified rollout (the new task definition
// PRIMARY and COMPLETED; a rollback fails) and a read-only smoke test of the
// shop through its public URL. Against an emulator (aws --endpoint-url)
// stand-ins play ECS, the data tier and the edge, running the service as its
// task definition says. Each stage is reported in one Slack thread; a failed
// stage stops the chain and is named in the error.
// The base stack (CI identities, audit trail) is never applied here: a plan
// with changes to it stops the deploy ("apply base as an administrator").
// A plan that deletes or replaces a protected resource (database, cache,
// buckets, repositories, distribution, keys) stops it too, unless
// --allow-destroy names that resource. One deploy of an environment runs at
// a time (a deploy lock taken before the first plan; a rollback takes it
// too). Each stack's plan is held to the plan reviewed on the pull request
// (plan parity) before it is applied; a stack whose code, inputs and state
// are unchanged since the last deploy is skipped, the reason named; a history
// record (history) is written next to the state at the end.
// When only the catalogue changed (the rest of the source is the last
// successful deploy's, by digest), the deploy takes the catalogue's fast
// path: no test, build, push, sync, db-release or rollout (each named as
// skipped); validate-catalog, then publish-catalogue (the catalogue as
// validated data, named by its sha256, next to the state) and
// load-catalogue (the running image's loader, as the migrator, reads it).
// Runs once per dagger session (each `dagger call` runs it anew), so its
// report can be read field by field: with +cache="never" each field read
// would run it again (seen on v0.19.7, also through the report's ID).
// +cache="session"
func (e *Environment) Deploy(
	ctx context.Context,
	// Deploy inside a freeze window anyway, for this reason (shown in the deploy's Slack thread).
	// +optional
	breakGlass string,
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
	// Apply plans that differ from the reviewed plan (the difference is shown and recorded).
	// +optional
	acceptNewPlan bool,
	// Plan every stack, also those unchanged since the last deploy (reverts drift).
	// +optional
	fullPlan bool,
) (*DeployReport, error) {
	opts, err := deployOptionsOf(allowDestroy, runId, lockWait, lockTtl)
	if err != nil {
		return nil, err
	}
	out, err := e.deploy(ctx, deployRun{
		breakGlass: breakGlass, options: opts, acceptNewPlan: acceptNewPlan, fullPlan: fullPlan,
	})
	if err != nil {
		return nil, err
	}
	return out.deployReport(), nil
}

// deployOutcome is what one deploy leaves: its stage table, each stage's
// result, its history record and, in a rehearsal, screenshots of the shop it
// deployed.
type deployOutcome struct {
	report      string
	stages      []notify.StageResult
	record      history.Record
	screenshots *dagger.Directory
}

// deployRun is one call of Deploy's arguments beyond the environment's
// (Rehearse and Rollback build one too).
type deployRun struct {
	breakGlass              string
	options                 deployOptions
	acceptNewPlan, fullPlan bool
	// rollback: restore the recorded deploy rollbackTo (empty: the one
	// before the running one) instead of deploying the source.
	rollback   bool
	rollbackTo string
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
	graph, err := stackio.Load()
	if err != nil {
		return deployOptions{}, err
	}
	if err := tfplan.ValidateAllows(allowDestroy, graph.Names()); err != nil {
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
func (e *Environment) deploy(ctx context.Context, r deployRun) (deployOutcome, error) {
	clock, err := parseNow(e.Now)
	if err != nil {
		return deployOutcome{}, err
	}
	m, a := e.module(), e.Aws
	notifier, err := newNotifier(ctx, e.SlackToken, e.SlackChannel, e.SlackApiURL)
	if err != nil {
		return deployOutcome{}, err
	}
	kind := history.KindDeploy
	if r.rollback {
		kind = history.KindRollback
	}
	rel := newRelease(m, a, e.StateBucket, e.Name, kind, clock, r.breakGlass, r.acceptNewPlan)
	rel.rollback, rel.fullPlan = r.rollback, r.fullPlan
	d := &deployment{
		m: m, aws: a, stateBucket: e.StateBucket, lockTable: e.LockTable,
		environment: e.Name, stacksPath: e.StacksPath, allowDestroy: r.options.allowDestroy,
		lock: r.options.lock, lockWait: r.options.lockWait,
		run:        &pipeline.Runner{Notifier: notifier, LogTail: logTail, Logf: progress},
		freeze:     rel.freezeStage,
		rel:        rel,
		rollbackTo: r.rollbackTo,
		rehearsal:  a.EndpointURL != "",
	}
	revision := ""
	info := notify.Deploy{Environment: e.Name, Region: a.Region, AllowDestroy: r.options.allowDestroy}
	if r.rollback {
		info.Action = "rollback"
	} else {
		revision = m.sourceRevision(ctx)
		info.Revision = revision
		rel.set(func(rec *history.Record) { rec.Revision = revision })
	}
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
	if a.OfflineProvider != "" {
		report = "Terraform ran against the " + offlineLabel(a.OfflineProvider) + ", not AWS.\n" + report
	}
	if label := resolvedEngineLabel(); label != "" {
		report = "Stacks run by " + label + ".\n" + report
	}
	// The record is written whatever the outcome; one that cannot be written
	// fails a run that otherwise succeeded (rollback and the skip read it).
	if herr := rel.finish(context.WithoutCancel(ctx), results, status, failed); herr != nil {
		if err == nil {
			return deployOutcome{report: report, stages: results}, fmt.Errorf("%s\n%w", report, herr)
		}
		progress("! %v", herr)
	}
	report += "history: " + rel.record.ID + "\n"
	if err != nil {
		if f := d.run.Failure(); f != nil {
			err = f
		}
		return deployOutcome{report: report, stages: results}, fmt.Errorf("%s failed at stage %s\n%s\n%w", kind, failed, report, err)
	}
	return deployOutcome{report: report, stages: results, record: rel.record, screenshots: d.screenshots}, nil
}

// deployment is one run of Deploy.
type deployment struct {
	// freeze is the first stage: no deploy inside a freeze window.
	freeze func(context.Context) (string, error)
	// rel keeps the history record, the reviewed plan and the skip decisions.
	rel *release
	// rollbackTo names the deploy a rollback restores (rel.rollback).
	rollbackTo string
	// rollbackTarget is the record a rollback restores.
	rollbackTarget history.Record
	m              *Eventmall
	aws            *Aws
	stateBucket    string
	lockTable      string
	environment    string
	stacksPath     string
	run            *pipeline.Runner
	// allowDestroy: the --allow-destroy values, stack:address.
	allowDestroy []string
	// lock: this run in the deploy lock; lockWait: how long to wait for it.
	lock     deploylock.Holder
	lockWait time.Duration
	// rehearsal: the AWS APIs are an emulator's, so nothing runs ECS, the
	// data tier or CloudFront: stand-ins play them (standins.go,
	// ecsstandin.go) and run the service as its task definition says.
	rehearsal bool
	tier      standInTier
	// standIn is what the ECS stand-in rolled out (rehearsal only).
	standIn standInResult
	// previousTaskDefinition is the one the service ran before this deploy.
	previousTaskDefinition string
	// serviceUnchangedSince names the deploy since which the service stack
	// is unchanged, when this deploy skipped it ("" otherwise).
	serviceUnchangedSince string
	// screenshots of the rehearsal's drop page, taken through the edge
	// stand-in's URL once the smoke test passed (rehearsal only).
	screenshots *dagger.Directory
	// fast is the changes stage's decision (changes.go): a catalogue-only
	// deploy keeps kept's image and site and loads object instead.
	fast   catalogue.Decision
	object catalogue.Object
	kept   history.Record
}

// standInTier starts the rehearsal's data tier once, on first use.
type standInTier struct {
	once gosync.Once
	t    *dataStandIns
	err  error
}

func (s *standInTier) get(ctx context.Context, a *Aws, data stackio.Outputs) (*dataStandIns, error) {
	s.once.Do(func() { s.t, s.err = a.startDataStandIns(ctx, data) })
	return s.t, s.err
}

// warm starts the tier in the background as soon as the data stack's
// outputs are known, so that MariaDB boots while other stages run; the
// stage that needs it first waits in get for the start in flight.
func (s *standInTier) warm(ctx context.Context, a *Aws, data stackio.Outputs) {
	go func() { _, _ = s.get(ctx, a, data) }()
}

func (s *standInTier) stop(ctx context.Context) {
	s.once.Do(func() {}) // waits for a start in flight (warm)
	if s.t != nil {
		s.t.stop(ctx)
	}
}

func (d *deployment) deploy(ctx context.Context) error {
	if d.rel.rollback {
		// A rollback restores a recorded deploy: no freeze (allowed inside
		// one), no gate (nothing is built), the graph walked below with the
		// recorded image and index.html.
		return d.withDeployLock(ctx, func() error {
			if err := d.chooseRollbackTarget(ctx); err != nil {
				return err
			}
			return d.walk(ctx, nil, nil)
		})
	}
	// 0. The freeze: from the repository alone, before any Terraform runs.
	if err := d.run.Stage(ctx, "freeze", d.freeze); err != nil {
		return err
	}
	// What changed since the last deploy: a catalogue-only change takes the
	// fast path (no test, build, push or rollout; changes.go).
	if err := d.run.Stage(ctx, "changes", d.changesStage); err != nil {
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
		fn := noDetail(s.fn)
		if why := d.fast.Skip(s.name); why != "" {
			fn = func(context.Context) (string, error) { return why, nil }
		}
		gate.Go(func() error { return d.run.Stage(gctx, s.name, fn) })
	}
	if err := gate.Wait(); err != nil {
		return err
	}
	return d.withDeployLock(ctx, func() error { return d.walk(ctx, site, image) })
}

// withDeployLock runs fn holding the environment's deploy lock: one deploy
// (or rollback) of an environment at a time. The lock is taken before the
// first plan (a deploy-lock stage) and released at the end, whatever
// happened.
func (d *deployment) withDeployLock(ctx context.Context, fn func() error) error {
	if err := d.run.Stage(ctx, "deploy-lock", func(ctx context.Context) (string, error) {
		if err := d.aws.acquireDeployLock(ctx, d.deployLock(), d.lock, d.lockWait); err != nil {
			return "", err
		}
		return "run " + d.lock.RunID + " (" + d.deployLock().where() + ")", nil
	}); err != nil {
		return err
	}
	defer func() {
		if err := d.aws.releaseDeployLock(context.WithoutCancel(ctx), d.deployLock(), d.lock.RunID); err != nil {
			progress("! releasing the deploy lock: %v", err)
		} else {
			progress("deploy lock %s released", d.deployLock().where())
		}
	}()
	return fn()
}

// deployLock is where this environment's deploy lock lives: the lock
// table's item when one is given, else an S3 object next to the state.
func (d *deployment) deployLock() deployLock {
	return deployLock{table: d.lockTable, bucket: d.stateBucket, environment: d.environment}
}

// walk runs the stack graph; site and image are the gate's builds (nil in a
// rollback, which restores the recorded ones instead).
func (d *deployment) walk(ctx context.Context, site *dagger.Directory, image *dagger.Container) error {
	// 2. The stack graph (stackio/graph.json): every stack and step starts as
	// soon as what it reads is done (edge and data concurrently, the site
	// synced as soon as edge is applied, the image pushed as soon as data is);
	// the first failure stops the rest.
	graph, err := stackio.Load()
	if err != nil {
		return err
	}
	values := stackio.NewValues()
	var mu gosync.Mutex // guards values
	outputs := func(stack string) stackio.Outputs {
		mu.Lock()
		defer mu.Unlock()
		return values.Stacks[stack]
	}
	var imageRef string // publish-backend's result
	steps := map[string]func(ctx context.Context, in map[string]string) (string, map[string]string, error){
		"sync-frontend": func(ctx context.Context, in map[string]string) (string, map[string]string, error) {
			var detail string
			var err error
			if why := d.fast.Skip("sync-frontend"); why != "" {
				return why, nil, nil // the record keeps the last deploy's site (changes stage)
			}
			if d.rel.rollback {
				detail, err = d.aws.restoreIndex(ctx, in["bucket"], d.rollbackTarget.Site.IndexVersionID, in["distribution_id"])
			} else {
				var report *SyncReport
				if report, err = d.aws.SyncFrontend(ctx, in["bucket"], in["distribution_id"], site, "24h"); err == nil {
					detail = report.Summary()
				}
			}
			if err == nil {
				err = d.rel.siteSynced(ctx, outputs("edge"))
			}
			return detail, nil, err
		},
		"publish-backend": func(ctx context.Context, in map[string]string) (string, map[string]string, error) {
			var ref, detail string
			if why := d.fast.Skip("publish-backend"); why != "" {
				ref, detail = d.kept.Image, why+": "+d.kept.Image
			} else if d.rel.rollback {
				ref = d.rollbackTarget.Image
				detail = ref + " (recorded by " + d.rollbackTarget.ID + ": nothing built or pushed)"
			} else {
				r, pushed, err := d.aws.publishBackend(ctx, in["repository_url"], image, "")
				if err != nil {
					return "", nil, err
				}
				ref, detail = r, r
				if !pushed {
					detail += " (tag already in the repository: not pushed)"
				}
			}
			mu.Lock()
			imageRef = ref
			mu.Unlock()
			d.rel.set(func(rec *history.Record) { rec.Image = ref })
			return detail, map[string]string{"image": ref}, nil
		},
		"wait-service-stable": func(ctx context.Context, in map[string]string) (string, map[string]string, error) {
			want, previous := in["task_definition"], d.previousTaskDefinition
			if d.rehearsal {
				want, previous = d.standIn.registered, d.standIn.previous
			}
			detail, err := d.aws.WaitServiceStable(ctx, in["cluster"], in["service"], want, previous, "15m")
			return detail, nil, err
		},
		"smoke-test": func(ctx context.Context, in map[string]string) (string, map[string]string, error) {
			site := in["site_url"]
			if d.rehearsal {
				site = d.standIn.edgeURL
			}
			detail, err := d.m.SmokeTest(ctx, site, in["image"], "5m")
			if err == nil && d.rehearsal {
				detail = "through the edge stand-in: " + detail
			}
			return detail, nil, err
		},
	}
	// Stages that run right before (or after) a step, in a rehearsal only:
	// the ECS stand-in plays the rollout that wait-service-stable then
	// verifies; Chromium photographs the shop the smoke test passed.
	before := map[string]func(ctx context.Context) error{}
	after := map[string]func(ctx context.Context) error{}
	if d.rehearsal && !d.rel.rollback {
		after["smoke-test"] = func(ctx context.Context) error {
			return d.run.Stage(ctx, "screenshot", func(ctx context.Context) (string, error) {
				if why := d.fast.Skip("screenshot"); why != "" {
					return why, nil
				}
				if since, ok := d.shopUnchanged(ctx); ok {
					return "skipped: the service and index.html are those of deploy " + since + " (its screenshots show this shop)", nil
				}
				shots, err := d.m.shopScreenshots(d.standIn.edgeURL, site).Sync(ctx)
				if err != nil {
					return "", err
				}
				d.screenshots = shots
				names, err := shots.Entries(ctx)
				return "the drop page in Chromium through " + d.standIn.edgeURL + ": " + strings.Join(names, ", "), err
			})
		}
	}
	if d.rehearsal {
		before["wait-service-stable"] = func(ctx context.Context) error {
			return d.run.Stage(ctx, "ecs-stand-in", func(ctx context.Context) (string, error) {
				svc, edge := outputs("service"), outputs("edge")
				td, err := d.aws.stateTaskDefinition(ctx, d.stateBucket, stateKey(d.environment, "service"))
				if err != nil {
					return "", err
				}
				tier, err := d.tier.get(ctx, d.aws, outputs("data"))
				if err != nil {
					return "", err
				}
				r, err := d.aws.ecsStandIn(ctx, str(svc, "cluster_name"), str(svc, "service_name"), td, str(edge, "site_bucket_name"), tier, d.serviceUnchangedSince)
				d.standIn = r
				return r.detail, err
			})
		}
	}
	// db-release: the schema and the catalogue, once per deploy, from the
	// new image, before the service runs it: between the service stack's
	// plan and apply, in the service as it runs before this deploy; on a
	// first deploy (no service yet) right after the apply.
	released := false
	release := func(ctx context.Context, svc stackio.Outputs) error {
		released = true
		if d.fast.Mode == catalogue.CatalogueOnly {
			return d.catalogueRelease(ctx, svc, outputs("data"))
		}
		mu.Lock()
		ref := imageRef
		mu.Unlock()
		data := outputs("data")
		secrets := dbrelease.Secrets{
			MasterSecretArn: str(data, "database_master_secret_arn"), AppSecretArn: str(data, "database_secret_arn"),
			AppUsername: str(data, "database_app_username"), SessionKeysSecretArn: str(svc, "session_keys_secret_arn"),
		}
		return d.run.Stage(ctx, "db-release", func(ctx context.Context) (string, error) {
			if !d.rehearsal {
				return d.aws.RunDbRelease(ctx, str(svc, "cluster_name"), str(svc, "service_name"), ref,
					secrets.MasterSecretArn, secrets.AppSecretArn, secrets.AppUsername, secrets.SessionKeysSecretArn,
					str(svc, "migrator_role_arn"), "15m")
			}
			td, err := d.aws.stateTaskDefinition(ctx, d.stateBucket, stateKey(d.environment, "service"))
			if err != nil {
				return "", err
			}
			c, err := containerOf(td, ref)
			if err != nil {
				return "", err
			}
			tier, err := d.tier.get(ctx, d.aws, outputs("data"))
			if err != nil {
				return "", err
			}
			if since := d.serviceUnchangedSince; since != "" {
				// As on AWS, where an unchanged service runs no db-release:
				// the database stand-in keeps what deploy since released.
				got, err := tier.released(ctx)
				if err != nil {
					return "", err
				}
				if got == ref {
					return "skipped: the service is unchanged since deploy " + since + ", whose db-release of this image the database holds", nil
				}
				progress("db-release: the database stand-in holds no release of %s (%q): released again", ref, got)
			}
			detail, err := d.aws.rehearsalDbRelease(ctx, c, secrets, tier)
			if err != nil {
				return "", err
			}
			return detail, tier.markReleased(ctx, ref)
		})
	}
	hooks := map[string]stackHooks{
		"service": {
			beforeApply: func(ctx context.Context, prior stackio.Outputs) error {
				if str(prior, "cluster_name") == "" || str(prior, "migrator_role_arn") == "" {
					// A first deploy, or the first with a migrator role:
					// the release runs right after the apply creates it.
					return nil
				}
				d.previousTaskDefinition = str(prior, "task_definition_arn")
				return release(ctx, prior)
			},
			afterApply: func(ctx context.Context, outs stackio.Outputs) error {
				if released {
					return nil
				}
				return release(ctx, outs)
			},
		},
	}
	defer func() {
		// The task and edge (killed) beside the data tier (stopped).
		stopCtx := context.WithoutCancel(ctx)
		var wg gosync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); d.standIn.stop(stopCtx) }()
		go func() { defer wg.Done(); d.tier.stop(stopCtx) }()
		wg.Wait()
	}()
	done := map[string]chan struct{}{}
	for _, n := range graph.Nodes() {
		done[n] = make(chan struct{})
		if !graph.IsStack(n) && steps[n] == nil {
			return fmt.Errorf("stack graph: step %s has no implementation in the module", n)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, n := range graph.Nodes() {
		g.Go(func() error {
			for _, need := range graph.Needs(n) {
				select {
				case <-done[need]:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			if graph.IsStack(n) {
				mu.Lock()
				inputs, err := graph.StackInputs(n, values)
				mu.Unlock()
				if err != nil {
					return err
				}
				outs, err := d.stack(gctx, n, inputs, hooks[n])
				if err != nil {
					return err
				}
				if n == "service" {
					d.rel.set(func(r *history.Record) { r.Cluster, r.Service = str(outs, "cluster_name"), str(outs, "service_name") })
				}
				mu.Lock()
				values.Stacks[n] = outs
				mu.Unlock()
				if n == "data" && d.rehearsal {
					d.tier.warm(gctx, d.aws, outs)
				}
			} else {
				mu.Lock()
				in, err := graph.StepInputs(n, values)
				mu.Unlock()
				if err != nil {
					return err
				}
				if pre := before[n]; pre != nil {
					if err := pre(gctx); err != nil {
						return err
					}
				}
				stage := n
				if d.rel.rollback && rollbackStage[n] != "" {
					stage = rollbackStage[n]
				}
				var produced map[string]string
				if err := d.run.Stage(gctx, stage, func(ctx context.Context) (string, error) {
					detail, p, err := steps[n](ctx, in)
					produced = p
					return detail, err
				}); err != nil {
					return err
				}
				mu.Lock()
				for k, v := range produced {
					b, _ := json.Marshal(v)
					values.Steps["step."+n+"."+k] = b
				}
				mu.Unlock()
				if post := after[n]; post != nil {
					if err := post(gctx); err != nil {
						return err
					}
				}
			}
			close(done[n])
			return nil
		})
	}
	return g.Wait()
}

// shopUnchanged says whether the shop is the last deploy's: its service
// stack skipped as unchanged and index.html the version that deploy left.
func (d *deployment) shopUnchanged(ctx context.Context) (string, bool) {
	if d.serviceUnchangedSince == "" {
		return "", false
	}
	last, ok, err := d.rel.lastGood(ctx)
	if err != nil || !ok {
		return "", false
	}
	d.rel.mu.Lock()
	index := d.rel.record.Site.IndexVersionID
	d.rel.mu.Unlock()
	if index == "" || index != last.Site.IndexVersionID {
		return "", false
	}
	return last.ID, true
}

// rollbackStage names the steps a rollback does differently.
var rollbackStage = map[string]string{"sync-frontend": "restore-site", "publish-backend": "recorded-image"}

// stackHooks run around one stack's apply.
type stackHooks struct {
	// beforeApply gets the stack's outputs as they were before this deploy
	// (empty on a first deploy), after the plan, before the apply.
	beforeApply func(ctx context.Context, prior stackio.Outputs) error
	// afterApply gets the outputs the apply left.
	afterApply func(ctx context.Context, outs stackio.Outputs) error
}

// stack plans and applies one stack (two stages, so Slack shows the plan
// summary before the apply) and returns its outputs.
func (d *deployment) stack(ctx context.Context, name string, inputs map[string]any, hooks stackHooks) (stackio.Outputs, error) {
	b, err := json.Marshal(inputs)
	if err != nil {
		return nil, err
	}
	s, err := d.aws.stack(name, d.stateBucket, d.lockTable, d.environment, d.stacksPath).WithInputs(string(b))
	if err != nil {
		return nil, err
	}
	if d.rel.rollback && name != "service" {
		// A rollback re-applies the service stack only; the others are read.
		var outs stackio.Outputs
		err := d.run.Stage(ctx, "outputs "+name, func(ctx context.Context) (string, error) {
			raw, found, err := d.aws.stateOutputs(ctx, d.stateBucket, stateKey(d.environment, name))
			if err == nil && !found {
				err = fmt.Errorf("stack %s has never been applied in %s: nothing to roll back to", name, d.environment)
			}
			if err != nil {
				return "", err
			}
			outs, err = stackio.DecodeOutputs(name, []byte(raw))
			return "read from its state (a rollback applies the service stack only)", err
		})
		return outs, err
	}
	if skip, detail, raw, err := d.rel.unchanged(ctx, s); err != nil {
		return nil, err
	} else if skip {
		var outs stackio.Outputs
		err := d.run.Stage(ctx, "plan "+name, func(ctx context.Context) (string, error) {
			var err error
			outs, err = stackio.DecodeOutputs(name, []byte(raw))
			return detail, err
		})
		if err == nil && name == "service" {
			d.rel.mu.Lock()
			d.serviceUnchangedSince = d.rel.record.Plans[name].SkippedSince
			d.rel.mu.Unlock()
		}
		// In a rehearsal the stand-ins start anew each run: the service's
		// data tier is started (and db-release skipped when the database
		// stand-in holds this image's release) even when its stack is skipped.
		// A catalogue-only deploy loads its catalogue there too.
		if err == nil && (d.rehearsal || d.fast.Mode == catalogue.CatalogueOnly) && hooks.afterApply != nil {
			err = hooks.afterApply(ctx, outs)
		}
		return outs, err
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
		detail := plan.Summary
		if plan.Provider != "" {
			detail += " (" + plan.Provider + ")"
		}
		detail += " by " + plan.Engine
		if len(allowed) > 0 {
			return fmt.Sprintf("%s, allowed to delete or replace %d protected", detail, len(allowed)) + driftWarning(plan), nil
		}
		return detail + driftWarning(plan), nil
	}); err != nil {
		return nil, err
	}
	d.rel.planned(name, plan, plan.HasChanges)
	if plan.HasChanges {
		// Plan parity: what is applied is what was reviewed.
		if err := d.run.Stage(ctx, "parity "+name, func(ctx context.Context) (string, error) {
			return d.rel.parityStage(ctx, plan)
		}); err != nil {
			return nil, err
		}
	}
	if hooks.beforeApply != nil {
		raw, err := s.rawOutputs(ctx, plan.Workspace)
		if err != nil {
			return nil, err
		}
		prior, err := stackio.DecodeOutputs(name, []byte(raw))
		if err != nil {
			return nil, err
		}
		if err := hooks.beforeApply(ctx, prior); err != nil {
			return nil, err
		}
	}
	// Once started, an apply runs to its end even if a sibling stage fails
	// meanwhile: cut off, terraform would leave the state unsaved and the
	// lock held (the next deploy would wait for it, then fail).
	var outs stackio.Outputs
	err = d.run.StageToEnd(ctx, "apply "+name, func(ctx context.Context) (string, error) {
		// Nothing to change: the outputs are read from the state the plan saw.
		detail, raw := "no changes, nothing applied", ""
		if plan.HasChanges {
			detail = plan.Summary + " applied"
			if plan.Provider != "" {
				detail += " (" + plan.Provider + ")"
			}
			detail += " by " + plan.Engine
			raw, err = plan.apply(ctx)
		} else {
			raw, err = s.rawOutputs(ctx, plan.Workspace)
		}
		if err != nil {
			return "", err
		}
		outs, err = stackio.DecodeOutputs(name, []byte(raw))
		if err == nil {
			d.rel.applied(ctx, s)
		}
		return detail, err
	})
	if err == nil && hooks.afterApply != nil {
		err = hooks.afterApply(ctx, outs)
	}
	return outs, err
}

// str is a string output of a stack ("" when absent or not a string).
func str(outs stackio.Outputs, name string) string {
	var v string
	_ = json.Unmarshal(outs[name], &v)
	return v
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
