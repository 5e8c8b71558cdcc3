// Package notify reports a deploy to Slack: one message per deploy, each
// stage's result threaded under it, the parent updated with the outcome.
package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// Status of a stage or of the whole deploy.
type Status string

const (
	Started   Status = "started"
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
	Skipped   Status = "skipped"
)

var statusEmoji = map[Status]string{
	Started:   ":hourglass_flowing_sand:",
	Succeeded: ":white_check_mark:",
	Failed:    ":x:",
	Skipped:   ":fast_forward:",
}

// Deploy describes the run the messages are about.
type Deploy struct {
	Environment string
	Region      string
	Revision    string // commit or content digest, when known
	// AllowDestroy are the protected resources this deploy may delete or
	// replace (--allow-destroy): shown first in the deploy message.
	AllowDestroy []string
	// Action names the run in messages; empty means "deploy" (e.g. "rollback").
	Action string
}

// StageResult is what a stage reports when it ends.
type StageResult struct {
	Stage    string
	Status   Status
	Duration time.Duration
	// Detail is a one-line summary, e.g. a plan's "+3 ~1 -0" or an image digest.
	Detail string
	// LogTail holds the failing stage's last log lines.
	LogTail string
}

// Notifier receives a deploy's events. Implementations are safe for
// concurrent use: parallel stages report at once.
type Notifier interface {
	Start(ctx context.Context, d Deploy) error
	Stage(ctx context.Context, r StageResult) error
	Finish(ctx context.Context, status Status, failedStage string, total time.Duration) error
}

// Discard is the Notifier used when no Slack token is given.
type Discard struct{}

func (Discard) Start(context.Context, Deploy) error      { return nil }
func (Discard) Stage(context.Context, StageResult) error { return nil }
func (Discard) Finish(context.Context, Status, string, time.Duration) error {
	return nil
}

// Slack posts to one channel with slack-go.
type Slack struct {
	client  *slack.Client
	channel string

	mu       sync.Mutex
	deploy   Deploy
	parentTS string
}

// NewSlack returns a Slack notifier. apiURL overrides Slack's API endpoint
// (tests point it at a local recording server); empty means Slack itself.
func NewSlack(token, channel, apiURL string) *Slack {
	var opts []slack.Option
	if apiURL != "" {
		if !strings.HasSuffix(apiURL, "/") {
			apiURL += "/"
		}
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	return &Slack{client: slack.New(token, opts...), channel: channel}
}

// Start posts the deploy's parent message.
func (s *Slack) Start(ctx context.Context, d Deploy) error {
	_, ts, err := s.client.PostMessageContext(ctx, s.channel,
		slack.MsgOptionText(StartText(d), false),
		slack.MsgOptionBlocks(headerBlocks(d, Started, "", 0)...))
	if err != nil {
		return fmt.Errorf("slack: posting the deploy message: %w", err)
	}
	s.mu.Lock()
	s.deploy, s.parentTS = d, ts
	s.mu.Unlock()
	return nil
}

// Stage posts one stage's result in the deploy's thread.
func (s *Slack) Stage(ctx context.Context, r StageResult) error {
	s.mu.Lock()
	parent := s.parentTS
	s.mu.Unlock()
	opts := []slack.MsgOption{
		slack.MsgOptionText(StageText(r), false),
		slack.MsgOptionBlocks(StageBlocks(r)...),
	}
	if parent != "" {
		opts = append(opts, slack.MsgOptionTS(parent))
	}
	if _, _, err := s.client.PostMessageContext(ctx, s.channel, opts...); err != nil {
		return fmt.Errorf("slack: posting stage %s: %w", r.Stage, err)
	}
	return nil
}

// Finish rewrites the parent message with the outcome.
func (s *Slack) Finish(ctx context.Context, status Status, failedStage string, total time.Duration) error {
	s.mu.Lock()
	d, parent := s.deploy, s.parentTS
	s.mu.Unlock()
	if parent == "" {
		return nil
	}
	_, _, _, err := s.client.UpdateMessageContext(ctx, s.channel, parent,
		slack.MsgOptionText(FinishText(d, status, failedStage, total), false),
		slack.MsgOptionBlocks(headerBlocks(d, status, failedStage, total)...))
	if err != nil {
		return fmt.Errorf("slack: updating the deploy message: %w", err)
	}
	return nil
}

// StartText is the plain-text fallback of the parent message.
func StartText(d Deploy) string {
	t := fmt.Sprintf("eventmall %s to %s started%s", action(d), target(d), revision(d))
	if w := AllowDestroyText(d); w != "" {
		t = "WARNING " + w + ". " + t
	}
	return t
}

// FinishText is the plain-text fallback of the finished parent message.
func FinishText(d Deploy, status Status, failedStage string, total time.Duration) string {
	if status == Failed {
		return fmt.Sprintf("eventmall %s to %s FAILED at stage %s after %s%s", action(d), target(d), failedStage, round(total), revision(d))
	}
	return fmt.Sprintf("eventmall %s to %s %s in %s%s", action(d), target(d), status, round(total), revision(d))
}

// StageText is the plain-text fallback of a stage reply.
func StageText(r StageResult) string {
	t := fmt.Sprintf("%s %s %s in %s", statusEmoji[r.Status], r.Stage, r.Status, round(r.Duration))
	if r.Detail != "" {
		t += ": " + r.Detail
	}
	return t
}

// StageBlocks renders a stage reply; a failure carries its log tail.
func StageBlocks(r StageResult) []slack.Block {
	blocks := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*"+escape(StageText(r))+"*", false, false), nil, nil),
	}
	if r.LogTail != "" {
		blocks = append(blocks, slack.NewSectionBlock(
			slack.NewTextBlockObject(slack.MarkdownType, "```"+tailForSlack(r.LogTail)+"```", false, false), nil, nil))
	}
	return blocks
}

func headerBlocks(d Deploy, status Status, failedStage string, total time.Duration) []slack.Block {
	var text string
	if status == Started {
		text = StartText(d)
	} else {
		text = FinishText(d, status, failedStage, total)
	}
	var blocks []slack.Block
	if w := AllowDestroyText(d); w != "" {
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, ":warning: *"+escape(w)+"*", false, false), nil, nil))
	}
	return append(blocks,
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, statusEmoji[status]+" *"+escape(text)+"*", false, false), nil, nil),
		slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "stage results are in the thread", false, false)),
	)
}

// AllowDestroyText names the protected resources the deploy may delete or
// replace; "" when none.
func AllowDestroyText(d Deploy) string {
	if len(d.AllowDestroy) == 0 {
		return ""
	}
	return "allowed to delete or replace protected resources: " + strings.Join(d.AllowDestroy, ", ")
}

func action(d Deploy) string {
	if d.Action == "" {
		return "deploy"
	}
	return d.Action
}

func target(d Deploy) string {
	t := d.Environment
	if d.Region != "" {
		t += " (" + d.Region + ")"
	}
	return t
}

func revision(d Deploy) string {
	if d.Revision == "" {
		return ""
	}
	return " at " + d.Revision
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }

// escape keeps Slack from reading user text as markup.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Slack caps a section's text at 3000 characters; keep the end of the log,
// where the error is.
const maxLogChars = 2800

func tailForSlack(log string) string {
	log = strings.ReplaceAll(escape(log), "```", "'''")
	if len(log) > maxLogChars {
		log = "…" + log[len(log)-maxLogChars:]
	}
	return log
}

// FailureExcerpt returns the last n lines of a failed command's output,
// preceded by the diagnostics that came before them (at most three blocks):
// terraform's "Error: …" and the lines up to the next blank one, and a failed
// node:test test ("not ok N - name" and its YAML block: location, error,
// code). Terraform may print a long follow-up (a state lock it could not
// release) after the error that failed the run, and npm test ends with the
// summary of every file: the error that failed it must not be cut.
func FailureExcerpt(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	head, tail := lines[:len(lines)-n], lines[len(lines)-n:]
	var kept []string
	for i, blocks := 0, 0; i < len(head) && blocks < 3; i++ {
		line := strings.TrimLeft(head[i], "│ ")
		var end func(string) bool
		limit := 8
		switch {
		case strings.HasPrefix(line, "Error: "):
			end = func(l string) bool { return strings.TrimSpace(strings.TrimLeft(l, "│╵ ")) == "" }
		case strings.HasPrefix(line, "not ok "):
			// the test's YAML block ends with "..." (a suite's "not ok" may have
			// none: the next test ends it); its stack is cut at the limit
			end = func(l string) bool {
				l = strings.TrimSpace(l)
				return l == "..." || strings.HasPrefix(l, "ok ") || strings.HasPrefix(l, "not ok ") || strings.HasPrefix(l, "# Subtest:")
			}
			limit = 16
		default:
			continue
		}
		blocks++
		for j := i; j < len(head) && j < i+limit; j++ {
			if j > i && end(head[j]) {
				break
			}
			kept = append(kept, head[j])
			i = j
		}
	}
	if len(kept) == 0 {
		return strings.Join(tail, "\n")
	}
	return strings.Join(kept, "\n") + "\n…\n" + strings.Join(tail, "\n")
}

// Message posts one stand-alone message (a drift or preflight report).
func (s *Slack) Message(ctx context.Context, text string) error {
	_, _, err := s.client.PostMessageContext(ctx, s.channel,
		slack.MsgOptionText(text, false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "```"+tailForSlack(text)+"```", false, false), nil, nil)))
	if err != nil {
		return fmt.Errorf("slack: posting the report: %w", err)
	}
	return nil
}
