package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"dagger/eventmall/notify"
	"golang.org/x/sync/errgroup"
)

// A sibling fails while an apply runs: the apply is not cancelled (its
// terraform apply finishes and persists state), new stages do not start, and
// the failure is the sibling's.
func TestRunningApplyFinishesWhenASiblingFails(t *testing.T) {
	n := &memNotifier{}
	r := &Runner{Notifier: n}
	g, ctx := errgroup.WithContext(context.Background())
	applying := make(chan struct{})
	applyCtxErr := errors.New("not run")
	g.Go(func() error {
		return r.StageToEnd(ctx, "apply data", func(ctx context.Context) (string, error) {
			close(applying)
			time.Sleep(100 * time.Millisecond) // the sibling fails meanwhile
			applyCtxErr = ctx.Err()
			return "+3 ~0 -0 applied", ctx.Err()
		})
	})
	g.Go(func() error {
		<-applying
		return r.Stage(ctx, "sync-frontend", func(context.Context) (string, error) { return "", errors.New("403 from S3") })
	})
	err := g.Wait()
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "sync-frontend" {
		t.Fatalf("the failure must be sync-frontend's, got %v", err)
	}
	if applyCtxErr != nil {
		t.Fatalf("the running apply's context was cancelled by the sibling's failure: %v", applyCtxErr)
	}
	ran := false
	_ = r.Stage(context.Background(), "publish-backend", func(context.Context) (string, error) { ran = true; return "", nil })
	if ran {
		t.Fatal("a new stage started after a failure")
	}
	status := map[string]notify.Status{}
	for _, res := range n.results {
		status[res.Stage] = res.Status
	}
	if status["apply data"] != notify.Succeeded || status["sync-frontend"] != notify.Failed || status["publish-backend"] != notify.Skipped {
		t.Fatalf("statuses %v", status)
	}
}
