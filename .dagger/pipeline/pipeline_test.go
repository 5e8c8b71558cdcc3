package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"dagger/eventmall/notify"
	"golang.org/x/sync/errgroup"
)

type memNotifier struct {
	mu      sync.Mutex
	results []notify.StageResult
}

func (m *memNotifier) Start(context.Context, notify.Deploy) error { return nil }
func (m *memNotifier) Stage(_ context.Context, r notify.StageResult) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.results = append(m.results, r)
	return nil
}
func (m *memNotifier) Finish(context.Context, notify.Status, string, time.Duration) error { return nil }

func TestFailureNamesStageAndStopsSiblings(t *testing.T) {
	n := &memNotifier{}
	r := &Runner{Notifier: n, LogTail: func(error) string { return "last line" }}
	g, ctx := errgroup.WithContext(context.Background())
	g.Go(func() error {
		return r.Stage(ctx, "test-backend", func(context.Context) (string, error) {
			return "", errors.New("exit code 1")
		})
	})
	g.Go(func() error {
		return r.Stage(ctx, "test-frontend", func(ctx context.Context) (string, error) {
			<-ctx.Done() // a long stage, cancelled by the failure; the
			// interrupted call may report some other error than Canceled
			return "", errors.New("failed to export: interrupted")
		})
	})
	err := g.Wait()
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "test-backend" {
		t.Fatalf("want a StageError for test-backend, got %v", err)
	}
	if !strings.Contains(err.Error(), `stage "test-backend" failed: exit code 1`) || !strings.Contains(err.Error(), "last line") {
		t.Errorf("error text: %v", err)
	}
	// Nothing after the gate runs.
	ran := false
	if err := r.Stage(ctx, "apply base", func(context.Context) (string, error) { ran = true; return "", nil }); err == nil || ran {
		t.Fatalf("a stage ran after a failure (err %v)", err)
	}
	status := map[string]notify.Status{}
	for _, res := range n.results {
		status[res.Stage] = res.Status
	}
	want := map[string]notify.Status{"test-backend": notify.Failed, "test-frontend": notify.Skipped, "apply base": notify.Skipped}
	for stage, st := range want {
		if status[stage] != st {
			t.Errorf("%s reported %q, want %q (all: %v)", stage, status[stage], st, status)
		}
	}
	if r.Failure().Stage != "test-backend" {
		t.Errorf("Failure() = %v", r.Failure())
	}
}

func TestSuccessIsTimedWithDetail(t *testing.T) {
	clock := time.Unix(0, 0)
	r := &Runner{Now: func() time.Time { clock = clock.Add(2 * time.Second); return clock }}
	if err := r.Stage(context.Background(), "plan edge", func(context.Context) (string, error) { return "+1 ~0 -0", nil }); err != nil {
		t.Fatal(err)
	}
	res := r.Results()
	if len(res) != 1 || res[0].Duration != 2*time.Second || res[0].Detail != "+1 ~0 -0" || res[0].Status != notify.Succeeded {
		t.Fatalf("results = %+v", res)
	}
}

func TestNestedStageErrorKeepsInnerStage(t *testing.T) {
	r := &Runner{}
	err := r.Stage(context.Background(), "outer", func(context.Context) (string, error) {
		return "", &StageError{Stage: "inner", Err: errors.New("boom")}
	})
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "inner" {
		t.Fatalf("got %v", err)
	}
}
