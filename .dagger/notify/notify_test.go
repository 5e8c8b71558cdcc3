package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a stand-in for Slack's Web API that records each call.
type recorder struct {
	mu    sync.Mutex
	calls []call
}

type call struct {
	method string
	form   url.Values
	auth   string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_ = req.ParseForm()
	r.mu.Lock()
	r.calls = append(r.calls, call{method: strings.TrimPrefix(req.URL.Path, "/"), form: req.PostForm, auth: req.Header.Get("Authorization")})
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": "C123", "ts": "1700000000.000100"})
}

func TestSlackThreadsStagesUnderOneMessage(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()

	n := NewSlack("xoxb-test-token", "#drops", srv.URL+"/")
	ctx := context.Background()
	if err := n.Start(ctx, Deploy{Environment: "prod", Region: "eu-west-1", Revision: "abc123"}); err != nil {
		t.Fatal(err)
	}
	if err := n.Stage(ctx, StageResult{Stage: "plan edge", Status: Succeeded, Duration: 1500 * time.Millisecond, Detail: "+3 ~1 -0"}); err != nil {
		t.Fatal(err)
	}
	failLog := strings.Repeat("noise\n", 50) + "AssertionError: expected 10 sold, got 11"
	if err := n.Stage(ctx, StageResult{Stage: "test-backend", Status: Failed, Duration: time.Minute, LogTail: FailureExcerpt(failLog, 20)}); err != nil {
		t.Fatal(err)
	}
	if err := n.Finish(ctx, Failed, "test-backend", 2*time.Minute); err != nil {
		t.Fatal(err)
	}

	if len(rec.calls) != 4 {
		t.Fatalf("got %d calls, want 4", len(rec.calls))
	}
	start, plan, fail, finish := rec.calls[0], rec.calls[1], rec.calls[2], rec.calls[3]
	if start.method != "chat.postMessage" || start.form.Get("channel") != "#drops" || start.form.Get("thread_ts") != "" {
		t.Errorf("start call wrong: %+v", start)
	}
	// slack-go sends the token as a form field for chat.* methods, as a
	// bearer header for others; either way it must reach Slack.
	if start.auth != "Bearer xoxb-test-token" && start.form.Get("token") != "xoxb-test-token" {
		t.Errorf("token not sent: auth %q, form %q", start.auth, start.form.Get("token"))
	}
	if !strings.Contains(start.form.Get("text"), "prod (eu-west-1) started at abc123") {
		t.Errorf("start text: %q", start.form.Get("text"))
	}
	for _, c := range []call{plan, fail} {
		if c.form.Get("thread_ts") != "1700000000.000100" {
			t.Errorf("stage not threaded under the deploy message: %+v", c.form)
		}
	}
	if !strings.Contains(plan.form.Get("text"), "plan edge succeeded in 1.5s: +3 ~1 -0") {
		t.Errorf("plan text: %q", plan.form.Get("text"))
	}
	if !strings.Contains(fail.form.Get("blocks"), "expected 10 sold, got 11") {
		t.Errorf("failure reply lacks the log tail: %s", fail.form.Get("blocks"))
	}
	if finish.method != "chat.update" || finish.form.Get("ts") != "1700000000.000100" ||
		!strings.Contains(finish.form.Get("text"), "FAILED at stage test-backend") {
		t.Errorf("finish call wrong: %+v", finish)
	}
}

func TestSlackErrorIsReported(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
	}))
	defer srv.Close()
	err := NewSlack("t", "#nope", srv.URL).Start(context.Background(), Deploy{Environment: "prod"})
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Fatalf("want channel_not_found, got %v", err)
	}
}

func TestLogTailIsEscapedAndBounded(t *testing.T) {
	long := strings.Repeat("x", 5000) + "<end>```"
	blocks := StageBlocks(StageResult{Stage: "s", Status: Failed, LogTail: long})
	b, _ := json.Marshal(blocks)
	s := string(b)
	if strings.Contains(s, "<end>") || !strings.Contains(s, "\\u0026lt;end\\u0026gt;") {
		t.Errorf("markup not escaped: %s", s[len(s)-200:])
	}
	if len(s) > 3500 {
		t.Errorf("log tail not bounded: %d bytes", len(s))
	}
}

// An allowed destroy is the first thing the deploy message says, in the
// text and as the first block, at start and at the end.
func TestAllowedDestroyIsShownFirst(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	n := NewSlack("xoxb-test-token", "#drops", srv.URL+"/")
	ctx := context.Background()
	d := Deploy{Environment: "prod", AllowDestroy: []string{"data:module.database.aws_rds_cluster.this"}}
	if err := n.Start(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := n.Finish(ctx, Succeeded, "", time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.calls {
		if !strings.HasPrefix(c.form.Get("text"), "WARNING allowed to delete or replace protected resources: data:module.database.aws_rds_cluster.this") && c.method == "chat.postMessage" {
			t.Errorf("%s text: %q", c.method, c.form.Get("text"))
		}
		var blocks []map[string]any
		if err := json.Unmarshal([]byte(c.form.Get("blocks")), &blocks); err != nil || len(blocks) < 3 {
			t.Fatalf("%s blocks: %v %s", c.method, err, c.form.Get("blocks"))
		}
		first, _ := json.Marshal(blocks[0])
		if !strings.Contains(string(first), "allowed to delete or replace protected resources: data:module.database.aws_rds_cluster.this") {
			t.Errorf("%s: first block is %s", c.method, first)
		}
	}
	if StartText(Deploy{Environment: "prod"}) != "eventmall deploy to prod started" {
		t.Errorf("without allowed destroys the text is unchanged: %q", StartText(Deploy{Environment: "prod"}))
	}
}

func TestRollbackThreadAndStandAloneReport(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	n := NewSlack("xoxb-test-token", "#drops", srv.URL+"/")
	ctx := context.Background()
	if err := n.Start(ctx, Deploy{Environment: "prod", Action: "rollback"}); err != nil {
		t.Fatal(err)
	}
	if err := n.Finish(ctx, Succeeded, "", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := n.Message(ctx, "drift in prod: 1 finding(s)\n- site: index.html differs"); err != nil {
		t.Fatal(err)
	}
	if len(rec.calls) != 3 {
		t.Fatalf("%d calls", len(rec.calls))
	}
	if got := rec.calls[0].form.Get("text"); got != "eventmall rollback to prod started" {
		t.Errorf("start: %q", got)
	}
	if got := rec.calls[1].form.Get("text"); !strings.HasPrefix(got, "eventmall rollback to prod succeeded in") {
		t.Errorf("finish: %q", got)
	}
	m := rec.calls[2]
	if m.method != "chat.postMessage" || m.form.Get("thread_ts") != "" || !strings.Contains(m.form.Get("blocks"), "site: index.html differs") {
		t.Errorf("report: %+v", m.form)
	}
}

// A failed terraform run whose last lines are a long follow-up (a lock that
// could not be released) must still show the error that failed it.
func TestFailureExcerptKeepsEarlierErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("Acquiring state lock. This may take a few moments...\n")
	b.WriteString("Error: error loading state: RequestError: send request failed\ncaused by: connection refused\n\n")
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&b, "lock help line %d\n", i)
	}
	got := FailureExcerpt(b.String(), 10)
	if !strings.HasPrefix(got, "Error: error loading state: RequestError: send request failed\ncaused by: connection refused\n…\n") {
		t.Fatalf("the first error is not kept ahead of the tail:\n%s", got)
	}
	if !strings.HasSuffix(got, "lock help line 29") || strings.Contains(got, "lock help line 19\n") {
		t.Fatalf("the tail is not the last 10 lines:\n%s", got)
	}
	// Boxed diagnostics (no -no-color) count too; errors inside the tail are not repeated.
	boxed := "│ Error: Unsupported argument\n│ \n│   on main.tf line 3\n╵\n" + strings.Repeat("x\n", 12)
	if got := FailureExcerpt(boxed, 5); !strings.HasPrefix(got, "│ Error: Unsupported argument\n") {
		t.Fatalf("a boxed error is not kept:\n%s", got)
	}
	if got := FailureExcerpt("a\nError: late\nb\n", 10); got != "a\nError: late\nb" {
		t.Fatalf("an error inside the tail is repeated: %q", got)
	}
}

// A failed npm test (node:test, TAP) ends with every file's summary; the
// failed test's name and error must come ahead of it.
func TestFailureExcerptKeepsFailedTests(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Subtest: server process\n    ok 1 - invalid configuration\n")
	b.WriteString("    not ok 2 - three tasks; SIGTERM finishes an in-flight order\n      ---\n      duration_ms: 600000.5\n")
	b.WriteString("      failureType: 'testTimeoutFailure'\n      error: 'test timed out after 600000ms'\n      code: 'ERR_TEST_FAILURE'\n      ...\n")
	b.WriteString("not ok 1 - server process\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "    ok %d - another file's test\n", i)
	}
	b.WriteString("# fail 1\n")
	got := FailureExcerpt(b.String(), 10)
	want := "    not ok 2 - three tasks; SIGTERM finishes an in-flight order\n      ---\n      duration_ms: 600000.5\n" +
		"      failureType: 'testTimeoutFailure'\n      error: 'test timed out after 600000ms'\n      code: 'ERR_TEST_FAILURE'\n" +
		"not ok 1 - server process\n…\n"
	if !strings.HasPrefix(got, want) {
		t.Fatalf("the failed test is not kept ahead of the tail:\n%s", got)
	}
	if !strings.HasSuffix(got, "# fail 1") {
		t.Fatalf("the tail is not kept:\n%s", got)
	}
}
