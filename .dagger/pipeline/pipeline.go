// Package pipeline runs a deploy's stages: it times each one, reports it to
// a notifier, and turns the first failure into an error that names the
// stage. Stages may run concurrently; the first failure wins.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"dagger/eventmall/notify"
)

// StageError is a failed stage.
type StageError struct {
	Stage string
	Err   error
	// LogTail is the end of the stage's output, when the error carries it.
	LogTail string
}

func (e *StageError) Error() string {
	msg := fmt.Sprintf("stage %q failed: %v", e.Stage, e.Err)
	if e.LogTail != "" {
		msg += "\n--- last lines of " + e.Stage + " ---\n" + e.LogTail
	}
	return msg
}

func (e *StageError) Unwrap() error { return e.Err }

// Runner runs stages and remembers their results.
type Runner struct {
	Notifier notify.Notifier
	// LogTail extracts output from an error (e.g. a failed container exec).
	LogTail func(error) string
	// Logf prints progress lines; nil discards them.
	Logf func(format string, args ...any)
	// Now is the clock (injected for tests).
	Now func() time.Time

	mu      sync.Mutex
	results []notify.StageResult
	failure *StageError
}

// Stage runs fn as the named stage. fn returns a one-line detail (a plan
// summary, an image digest…) for the report. A sibling's failure cancels
// ctx, and so fn; once a stage failed, no new stage starts.
func (r *Runner) Stage(ctx context.Context, name string, fn func(ctx context.Context) (string, error)) error {
	return r.run(ctx, name, fn, false)
}

// StageToEnd runs fn like Stage, but a sibling's failure does not interrupt
// it once started: for a terraform apply, which must finish, persist its
// state and release its lock (an apply cut off mid-write leaves the state
// behind the infrastructure and the lock held). It still does not start
// after a failure.
func (r *Runner) StageToEnd(ctx context.Context, name string, fn func(ctx context.Context) (string, error)) error {
	return r.run(ctx, name, fn, true)
}

func (r *Runner) run(ctx context.Context, name string, fn func(ctx context.Context) (string, error), toEnd bool) error {
	if err := ctx.Err(); err != nil {
		r.record(ctx, notify.StageResult{Stage: name, Status: notify.Skipped, Detail: "an earlier stage failed"})
		return err
	}
	if f := r.Failure(); f != nil {
		r.record(ctx, notify.StageResult{Stage: name, Status: notify.Skipped, Detail: "an earlier stage failed"})
		return f
	}
	r.logf("▶ %s", name)
	start := r.now()
	runCtx := ctx
	if toEnd {
		runCtx = context.WithoutCancel(ctx)
	}
	detail, err := fn(runCtx)
	took := r.now().Sub(start)
	if err == nil {
		r.logf("✔ %s (%s) %s", name, took.Round(time.Millisecond), detail)
		r.record(ctx, notify.StageResult{Stage: name, Status: notify.Succeeded, Duration: took, Detail: detail})
		return nil
	}
	// A stage stopped because a sibling failed is not the failure, whatever
	// error its interrupted call came back with.
	if !toEnd && ctx.Err() != nil && r.Failure() != nil {
		r.record(ctx, notify.StageResult{Stage: name, Status: notify.Skipped, Duration: took, Detail: "cancelled: an earlier stage failed"})
		return err
	}
	se := &StageError{Stage: name, Err: err}
	var inner *StageError
	if errors.As(err, &inner) {
		se = inner
	} else if r.LogTail != nil {
		se.LogTail = r.LogTail(err)
	}
	r.mu.Lock()
	if r.failure == nil {
		r.failure = se
	}
	r.mu.Unlock()
	r.logf("✘ %s (%s): %v", name, took.Round(time.Millisecond), err)
	r.record(ctx, notify.StageResult{Stage: name, Status: notify.Failed, Duration: took, Detail: firstLine(err.Error()), LogTail: se.LogTail})
	return se
}

// Failure returns the first failed stage, if any.
func (r *Runner) Failure() *StageError {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failure
}

// Results returns the stages run so far, in the order they ended.
func (r *Runner) Results() []notify.StageResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notify.StageResult(nil), r.results...)
}

func (r *Runner) record(ctx context.Context, res notify.StageResult) {
	r.mu.Lock()
	r.results = append(r.results, res)
	r.mu.Unlock()
	if r.Notifier != nil {
		// Reporting must not hide the stage's own outcome, nor be cut short
		// by a sibling's failure cancelling ctx.
		if err := r.Notifier.Stage(context.WithoutCancel(ctx), res); err != nil {
			r.logf("! notification for %s not sent: %v", res.Stage, err)
		}
	}
}

func (r *Runner) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
