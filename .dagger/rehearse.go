package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"dagger/eventmall/deploylock"
	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/notify"
)

// What the rehearsal deploys to: names the emulator's resources carry
// (ci/rehearsal/moto_setup.py creates them) and the stacks it applies.
const (
	rehearsalRegion      = "us-east-1"
	rehearsalStateBucket = "eventmall-rehearsal-state"
	// No lock table: a rehearsal locks as the default setup does, state
	// locks and the deploy lock as S3 objects next to the state (base's
	// lock_table_name empty). The module test (ci/module-test.sh) runs the
	// optional DynamoDB table as well.
	rehearsalLockTable   = ""
	rehearsalEnvironment = "rehearsal"
	// The stacks a rehearsal applies: the real ones.
	rehearsalStacks = "terraform/stacks"
	// The schema of hashicorp/aws the offline provider serves in a rehearsal.
	rehearsalAwsSchema = "6.47.0"
	rehearsalChannel   = "#drops"
	motoPort           = 5000
	slackRecorderPort  = 5200
)

// Rehearse runs deploy end to end with no AWS account and nothing prepared
// on the host: it starts an AWS emulator (moto), a recorder of Slack's Web
// API and the shop the smoke test checks as services, creates the
// resources the stacks name in the emulator, deploys the real stacks
// (terraform/stacks) through the offline AWS provider, and returns
// the stage table, the Slack thread the recorder received and the shop it
// deployed, e.g. `rehearse shop up --ports=8080:8080`. Runs once per
// dagger session (every call starts from an empty emulator), so the
// results of one rehearsal can be read field by field.
// +cache="session"
func (m *Eventmall) Rehearse(
	ctx context.Context,
	// Registry standing in for ECR, as host:port, reached by the engine over
	// plain HTTP. The default is where air-gapped mode's registry listens
	// (the address of Docker's default bridge).
	// +optional
	// +default="172.17.0.1:5000"
	registry string,
) (*Rehearsal, error) {
	moto, err := m.awsEmulator().Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("rehearsal: starting the AWS emulator (moto): %w", err)
	}
	defer moto.Stop(context.WithoutCancel(ctx))
	awsURL, err := moto.Endpoint(ctx, dagger.ServiceEndpointOpts{Port: motoPort, Scheme: "http"})
	if err != nil {
		return nil, err
	}
	recorder, err := m.slackRecorder().Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("rehearsal: starting the Slack recorder: %w", err)
	}
	defer recorder.Stop(context.WithoutCancel(ctx))
	slackURL, err := recorder.Endpoint(ctx, dagger.ServiceEndpointOpts{Port: slackRecorderPort, Scheme: "http"})
	if err != nil {
		return nil, err
	}

	site := m.BuildFrontend()
	creds := rehearsalCredentials()
	setup, err := m.rehearsalSetup(ctx, creds, awsURL, registry)
	if err != nil {
		return nil, err
	}

	// The administrator's step first: a deploy never applies base
	// (docs/getting-started.md, "Bootstrap and change the base stack").
	env := m.Aws(creds.id, creds.key, creds.token, rehearsalRegion, awsURL).
		WithOfflineProvider(rehearsalAwsSchema, setup.values).
		Environment(rehearsalEnvironment, rehearsalStateBucket, rehearsalLockTable, creds.slack, rehearsalChannel, rehearsalStacks).
		WithSlackApi(slackURL + "/api/")
	basePlan, err := env.Stack("base").Plan(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("rehearsal: the administrator's plan of base: %w", err)
	}
	if _, err := basePlan.Apply(ctx); err != nil {
		return nil, fmt.Errorf("rehearsal: the administrator's apply of base: %w", err)
	}
	outcome, deployErr := env.deploy(ctx, deployRun{
		// Every rehearsal starts from an empty emulator: nobody else holds the lock.
		options: deployOptions{lock: deploylock.Holder{RunID: newRunID(), TTL: time.Hour}},
	})

	thread, terr := readSlackThread(ctx, slackURL, rehearsalChannel)
	threadText := ""
	if terr != nil {
		threadText = "(the Slack thread could not be read: " + terr.Error() + ")\n"
	} else {
		threadText = thread.Text()
	}
	progress("\n%s\nSlack thread:\n%s", outcome.report, threadText)
	if deployErr != nil {
		return nil, fmt.Errorf("rehearsal: %w\nSlack thread:\n%s", deployErr, threadText)
	}
	if terr != nil {
		return nil, fmt.Errorf("rehearsal: %w", terr)
	}
	r := &Rehearsal{Report: outcome.report, Slack: thread, Stages: stageResults(outcome.stages), Site: site, Screenshots: outcome.screenshots}
	for _, st := range outcome.stages {
		if st.Stage == "publish-backend" && st.Status == notify.Succeeded {
			// "repo@sha256:… (tag already in the repository: not pushed)"
			r.Image, _, _ = strings.Cut(st.Detail, " ")
		}
	}
	return r, nil
}

// Rehearsal is a finished rehearsal of deploy.
type Rehearsal struct {
	// The deploy's stage table: every stage, its result, seconds and detail.
	Report string
	// Every stage of the deploy, in the order they ended.
	Stages []*StageResult
	// The Slack thread the deploy posted, as the recorder received it.
	Slack *SlackThread
	// The backend image the deploy published, by digest.
	Image string
	// The site the deploy synced.
	// +private
	Site *dagger.Directory
	// The deployed shop's drop page in Chromium, at phone and desktop width,
	// taken through the edge stand-in's URL after the smoke test passed.
	Screenshots *dagger.Directory
}

// Shop serves what the rehearsal deployed, on port 8080: the published
// image, pulled back by digest, serving the synced site, with MariaDB and
// memcached. Open it with `shop up --ports=8080:8080`.
func (r *Rehearsal) Shop() *dagger.Service {
	return shopService(dag.Container().From(r.Image), r.Site)
}

// Summary is the stage table followed by the Slack thread.
func (r *Rehearsal) Summary() string {
	return r.Report + "\nSlack thread:\n" + r.Slack.Text()
}

// AwsEmulator is moto, the AWS emulator a rehearsal deploys to, as a service
// on port 5000, empty: for behaviour tests and for trying single stages
// (`aws --endpoint-url=…`) without an account.
func (m *Eventmall) AwsEmulator() *dagger.Service { return m.awsEmulator() }

// awsEmulator is moto, the AWS emulator, on port 5000.
func (m *Eventmall) awsEmulator() *dagger.Service {
	return dag.Container().
		From(motoImage).
		// moto runs no tasks; it reports this many as running for every ECS
		// service, which the rehearsal's service (desired count 2) needs to
		// be stable.
		WithEnvVariable("MOTO_ECS_SERVICE_RUNNING", "2").
		WithExposedPort(motoPort).
		AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})
}

// slackRecorder is ci/rehearsal/slack_recorder.py, a stand-in for Slack's
// Web API that records every call, on port 5200. It needs only Python's
// standard library, which the emulator's image has.
func (m *Eventmall) slackRecorder() *dagger.Service {
	return dag.Container().
		From(motoImage).
		WithFile("/srv/slack_recorder.py", m.Source.File("ci/rehearsal/slack_recorder.py")).
		WithExposedPort(slackRecorderPort).
		AsService(dagger.ContainerAsServiceOpts{Args: []string{
			"python3", "/srv/slack_recorder.py", fmt.Sprint(slackRecorderPort), "/srv/calls.jsonl",
		}})
}

// rehearsalSecrets are the throwaway credentials of a rehearsal: the
// emulator accepts any, the recorder any token.
type rehearsalSecrets struct{ id, key, token, slack *dagger.Secret }

func rehearsalCredentials() rehearsalSecrets {
	return rehearsalSecrets{
		id:    dag.SetSecret("eventmall-rehearsal-aws-access-key-id", "AKIAEVENTMALLREHEARSAL"),
		key:   dag.SetSecret("eventmall-rehearsal-aws-secret-access-key", "eventmall-rehearsal-secret-key"),
		token: dag.SetSecret("eventmall-rehearsal-aws-session-token", "eventmall-rehearsal-session-token"),
		slack: dag.SetSecret("eventmall-rehearsal-slack-token", "xoxb-eventmall-rehearsal"),
	}
}

// rehearsalResources is what ci/rehearsal/moto_setup.py created in the
// emulator: the values the offline provider must report for it.
type rehearsalResources struct {
	values *dagger.File
}

// rehearsalSetup creates the resources the stacks name in the emulator with
// ci/rehearsal/moto_setup.py and returns the offline provider's values file
// it wrote.
func (m *Eventmall) rehearsalSetup(ctx context.Context, creds rehearsalSecrets, awsURL, registry string) (*rehearsalResources, error) {
	setup := dag.Container().
		From(motoImage).
		WithSecretVariable("AWS_ACCESS_KEY_ID", creds.id).
		WithSecretVariable("AWS_SECRET_ACCESS_KEY", creds.key).
		WithEnvVariable("AWS_REGION", rehearsalRegion).
		WithFile("/srv/moto_setup.py", m.Source.File("ci/rehearsal/moto_setup.py")).
		WithDirectory("/srv/repo/terraform/environments", m.Source.Directory("terraform/environments")).
		// A fresh emulator every run: the setup must really run.
		WithEnvVariable("EVENTMALL_RUN", cacheBuster()).
		WithExec([]string{"sh", "-c", "python3 /srv/moto_setup.py \"$0\" \"$1\" /srv/repo /srv/offline-values.json >/srv/resources.json", awsURL, registry})
	if _, err := setup.Sync(ctx); err != nil {
		return nil, execErr("rehearsal: creating the emulator's resources (ci/rehearsal/moto_setup.py)", err)
	}
	return &rehearsalResources{values: setup.File("/srv/offline-values.json")}, nil
}

// SlackThread is a deploy's thread as a Slack channel shows it.
type SlackThread struct {
	// The channel posted to.
	Channel string
	// The deploy's message, as last updated (its outcome).
	Parent string
	// The stage replies in the thread, in the order they were posted.
	Replies []string
}

// Text renders the thread as a reader sees it.
func (t *SlackThread) Text() string {
	var b strings.Builder
	b.WriteString(t.Channel + ": " + t.Parent + "\n")
	for _, r := range t.Replies {
		b.WriteString("  └ " + r + "\n")
	}
	return b.String()
}

// slackCall is one call the recorder received.
type slackCall struct {
	Method string            `json:"method"`
	Form   map[string]string `json:"form"`
}

// readSlackThread fetches the recorder's calls and reads them as the
// channel shows them: the parent message as last updated, then the replies
// of its thread in order.
func readSlackThread(ctx context.Context, recorderURL, channel string) (*SlackThread, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, recorderURL+"/calls", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/calls: status %d", recorderURL, resp.StatusCode)
	}
	return parseSlackThread(body, channel)
}

func parseSlackThread(ndjson []byte, channel string) (*SlackThread, error) {
	t := &SlackThread{Channel: channel}
	sc := bufio.NewScanner(bytes.NewReader(ndjson))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c slackCall
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("reading the Slack recorder's calls: %w", err)
		}
		switch {
		case c.Method == "chat.update":
			t.Parent = c.Form["text"]
		case c.Form["thread_ts"] != "":
			t.Replies = append(t.Replies, c.Form["text"])
		case t.Parent == "":
			t.Parent = c.Form["text"]
		}
	}
	if t.Parent == "" {
		return nil, fmt.Errorf("the Slack recorder received no deploy message")
	}
	return t, nil
}
