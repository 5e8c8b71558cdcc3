package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	stdsync "sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"dagger/eventmall/drift"
	"dagger/eventmall/freeze"
	"dagger/eventmall/history"
	"dagger/eventmall/notify"
	"dagger/eventmall/parity"
	"dagger/eventmall/stackio"
)

// release is what a deploy (or rollback) keeps for the release-safety
// stages: the freeze verdict, the reviewed plan it is held to, what it
// planned and published, and the history record it writes at the end.
type release struct {
	m           *Eventmall
	aws         *Aws
	stateBucket string
	environment string
	kind        string
	now         time.Time
	breakGlass  string
	acceptNew   bool
	// rollback: plans are not held to the reviewed plan (they restore a deploy).
	rollback bool
	// fullPlan: plan every stack, even one unchanged since the last deploy.
	fullPlan bool

	historyRead bool
	last        history.Record
	hasLast     bool
	keys        map[string]string

	mu       stdsync.Mutex
	record   history.Record
	reviewed *parity.Reviewed
	loaded   bool
}

func newRelease(m *Eventmall, a *Aws, stateBucket, environment, kind string, clock time.Time, breakGlass string, acceptNew bool) *release {
	started := time.Now()
	return &release{m: m, aws: a, stateBucket: stateBucket, environment: environment, kind: kind,
		now: clock, breakGlass: strings.TrimSpace(breakGlass), acceptNew: acceptNew, keys: map[string]string{},
		record: history.Record{
			ID: history.NewID(started), Kind: kind, Environment: environment, Region: a.Region,
			StartedAt: started.UTC(), Plans: map[string]history.Plan{},
		}}
}

// freezeStage is the deploy's first stage: it refuses a deploy inside a
// freeze window unless a break-glass reason is given. It reads only the
// repository: no Terraform runs before it.
func (r *release) freezeStage(ctx context.Context) (string, error) {
	ws, err := r.m.freezeWindows(ctx, r.environment)
	if err != nil {
		return "", err
	}
	d := freeze.Decide(ws, r.now, r.breakGlass)
	if !d.Allowed {
		return "", fmt.Errorf("%s", d.Detail)
	}
	r.mu.Lock()
	r.record.BreakGlass = d.BreakGlass
	r.mu.Unlock()
	return d.Detail, nil
}

// reviewedPlan loads the plan `plan` stored for this revision, or else the
// environment's latest; nil when none was stored.
func (r *release) reviewedPlan(ctx context.Context) (*parity.Reviewed, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loaded {
		return r.reviewed, nil
	}
	for _, key := range []string{parity.RevisionKey(r.environment, r.record.Revision), parity.LatestKey(r.environment)} {
		var rv parity.Reviewed
		found, err := r.aws.getJSON(ctx, r.stateBucket, key, &rv)
		if err != nil {
			return nil, err
		}
		if found {
			r.reviewed = &rv
			break
		}
	}
	r.loaded = true
	return r.reviewed, nil
}

// parityStage holds a stack's fresh plan to the reviewed one.
func (r *release) parityStage(ctx context.Context, plan *TerraformPlan) (string, error) {
	if r.rollback {
		return "rollback: restores a recorded deploy, not held to a reviewed plan", nil
	}
	var fp parity.Fingerprint
	if err := json.Unmarshal([]byte(plan.ChangeSet), &fp); err != nil {
		return "", fmt.Errorf("parity: the change set of %s: %w", plan.Stack.Name, err)
	}
	rv, err := r.reviewedPlan(ctx)
	if err != nil {
		return "", err
	}
	v := parity.Check(rv, fp, r.acceptNew)
	if v.Stop {
		return "", fmt.Errorf("%s", v.Detail)
	}
	if v.Accepted {
		r.mu.Lock()
		r.record.AcceptedNewPlan = append(r.record.AcceptedNewPlan, plan.Stack.Name)
		r.mu.Unlock()
	}
	return v.Detail, nil
}

// planned records a stack's plan (and whether it was applied).
func (r *release) planned(stack string, p *TerraformPlan, applied bool) {
	var fp parity.Fingerprint
	_ = json.Unmarshal([]byte(p.ChangeSet), &fp)
	r.mu.Lock()
	r.record.Plans[stack] = history.Plan{Summary: p.Summary, Fingerprint: fp.Sum(), Applied: applied}
	r.mu.Unlock()
}

func (r *release) set(fn func(rec *history.Record)) {
	r.mu.Lock()
	fn(&r.record)
	r.mu.Unlock()
}

// finish completes the record with the stages' results and writes it next
// to the state. A record that cannot be written is an error: rollback and
// preflight read it.
func (r *release) finish(ctx context.Context, results []notify.StageResult, status notify.Status, failed string) error {
	ended := time.Now()
	r.mu.Lock()
	rec := r.record
	r.mu.Unlock()
	rec.FinishedAt = ended.UTC()
	rec.Seconds = ended.Sub(rec.StartedAt).Seconds()
	rec.Outcome, rec.FailedStage = history.Succeeded, ""
	if status == notify.Failed {
		rec.Outcome, rec.FailedStage = history.Failed, failed
	}
	for _, s := range results {
		rec.Stages = append(rec.Stages, history.Stage{Name: s.Stage, Status: string(s.Status), Seconds: s.Duration.Seconds(), Detail: s.Detail})
		if s.Status == notify.Skipped {
			rec.Skipped = append(rec.Skipped, s.Stage+": "+s.Detail)
		}
	}
	rec.CISubject = r.aws.callerIdentity(ctx)
	b, err := history.Encode(rec)
	if err != nil {
		return err
	}
	if err := r.aws.putJSON(ctx, r.stateBucket, history.Key(r.environment, rec.ID), b); err != nil {
		return fmt.Errorf("the %s ran but its history record was not written: %w", r.kind, err)
	}
	progress("history: %s recorded at s3://%s/%s", rec.ID, r.stateBucket, history.Key(r.environment, rec.ID))
	return nil
}

// storeReviewed saves what `plan` planned, for deploy's parity check.
func (a *Aws) storeReviewed(ctx context.Context, bucket string, rv parity.Reviewed) error {
	sort.Strings(rv.Waiting)
	b, err := json.MarshalIndent(rv, "", "  ")
	if err != nil {
		return err
	}
	for _, key := range []string{parity.RevisionKey(rv.Environment, rv.Revision), parity.LatestKey(rv.Environment)} {
		if err := a.putJSON(ctx, bucket, key, b); err != nil {
			return fmt.Errorf("storing the reviewed plan: %w", err)
		}
	}
	return nil
}

// siteSynced records the index.html the sync left in the site bucket.
func (r *release) siteSynced(ctx context.Context, edge stackio.Outputs) error {
	bucket := str(edge, "site_bucket_name")
	version, etag, err := r.aws.indexVersion(ctx, bucket)
	if err != nil {
		return err
	}
	r.set(func(rec *history.Record) {
		rec.Site = history.Site{Bucket: bucket, IndexVersionID: version, IndexETag: etag,
			DistributionID: str(edge, "distribution_id"), SiteURL: str(edge, "site_url")}
	})
	return nil
}

// driftWarning is what a deploy's plan stage says when applying would
// overwrite changes made outside Terraform.
func driftWarning(p *TerraformPlan) string {
	var fs []drift.Finding
	if err := json.Unmarshal([]byte(p.Drift), &fs); err != nil {
		return ""
	}
	if addrs := drift.Overwritten(fs); len(addrs) > 0 {
		progress("! %s: applying overwrites changes made outside Terraform: %s", p.Stack.Name, strings.Join(addrs, ", "))
		return "; WARNING: overwrites drift (changed outside Terraform): " + strings.Join(addrs, ", ")
	}
	return ""
}

// lastGood is the environment's last successful deploy or rollback (read
// once per run); ok is false when there is none.
func (r *release) lastGood(ctx context.Context) (history.Record, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.historyRead {
		rs, err := r.aws.records(ctx, r.stateBucket, r.environment)
		if err != nil {
			return history.Record{}, false, err
		}
		r.last, r.hasLast = history.LastGood(rs)
		r.historyRead = true
	}
	return r.last, r.hasLast, nil
}

// stackKey is a digest of what a stack's plan depends on besides its live
// state: the Terraform code (all of terraform/, modules included) and the
// effective inputs.
func stackKey(ctx context.Context, s *Stack) (string, error) {
	code, err := s.Aws.Module.Source.Directory("terraform").Digest(ctx)
	if err != nil {
		return "", err
	}
	inputs, err := s.effectiveInputs(ctx)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(code + "\n" + inputs))
	return hex.EncodeToString(sum[:]), nil
}

// stateVersion is the version of the stack's state object ("" when none).
func (a *Aws) stateVersion(ctx context.Context, s *Stack) (string, error) {
	client, err := a.s3Client(ctx)
	if err != nil {
		return "", err
	}
	h, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.StateBucket, Key: aws.String(stateKey(s.Environment, s.Name))})
	if err != nil {
		var nf *s3types.NotFound
		if errors.As(err, &nf) {
			return "", nil
		}
		return "", fmt.Errorf("reading the version of s3://%s/%s: %w", s.StateBucket, stateKey(s.Environment, s.Name), err)
	}
	return aws.ToString(h.VersionId), nil
}

// unchanged says whether a stack can be skipped: nothing a plan depends on
// moved since the last deploy (same code and inputs, and nobody wrote its
// state since). Then raw holds its outputs, read from the state object as
// `terraform output -json` would print them. A skip does not look at the
// real infrastructure: drift is not reverted (dagger call drift reports it).
func (r *release) unchanged(ctx context.Context, s *Stack) (skip bool, detail, raw string, err error) {
	if r.rollback || r.fullPlan {
		return false, "", "", nil
	}
	last, ok, err := r.lastGood(ctx)
	if err != nil || !ok {
		return false, "", "", err
	}
	key, err := stackKey(ctx, s)
	if err != nil {
		return false, "", "", err
	}
	version, err := r.aws.stateVersion(ctx, s)
	if err != nil {
		return false, "", "", err
	}
	since, ok := history.Unchanged(last, s.Name, key, version)
	if !ok {
		r.set(func(rec *history.Record) { r.keys[s.Name] = key })
		return false, "", "", nil
	}
	raw, found, err := r.aws.stateOutputs(ctx, s.StateBucket, stateKey(s.Environment, s.Name))
	if err != nil || !found {
		return false, "", "", err
	}
	r.set(func(rec *history.Record) {
		rec.Plans[s.Name] = history.Plan{Summary: "skipped", Inputs: key, StateVersion: version, SkippedSince: since}
	})
	return true, fmt.Sprintf("skipped: code, inputs and state unchanged since deploy %s; live infrastructure not re-planned (drift is reported by dagger call drift, reverted by deploy --full-plan)", since), raw, nil
}

// stateOutputs reads a stack's outputs from its state object, shaped as
// `terraform output -json` prints them; found is false without a state or
// outputs. Sensitive values are included: the result stays in the module.
func (a *Aws) stateOutputs(ctx context.Context, bucket, key string) (raw string, found bool, err error) {
	var state struct {
		Outputs json.RawMessage `json:"outputs"`
	}
	found, err = a.getJSON(ctx, bucket, key, &state)
	if err != nil || !found || len(state.Outputs) == 0 || string(state.Outputs) == "{}" {
		return "", false, err
	}
	return string(state.Outputs), true, nil
}

// applied records the stack's state version and key after its apply (or
// its no-change plan), for the next deploy's skip.
func (r *release) applied(ctx context.Context, s *Stack) {
	version, err := r.aws.stateVersion(ctx, s)
	if err != nil {
		progress("! %v", err)
		return
	}
	key := ""
	r.mu.Lock()
	key = r.keys[s.Name]
	r.mu.Unlock()
	if key == "" {
		if key, err = stackKey(ctx, s); err != nil {
			return
		}
	}
	r.set(func(rec *history.Record) {
		p := rec.Plans[s.Name]
		p.Inputs, p.StateVersion = key, version
		rec.Plans[s.Name] = p
	})
}
