package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"dagger/eventmall/deploylock"
	"dagger/eventmall/preflight"
)

// Preflight is the go/no-go check before a drop (e.g. scheduled two hours
// before midnight): the drop is in the catalogue and visible through the
// public URL (live with its products, or counted down to); the scale-out
// and scale-in actions exist in the event's zone; the alarm topic has a
// confirmed subscriber; no drift (dagger call drift's checks); no deploy
// lock or state lock held; a freeze window brackets the drop's midnight;
// the running image is the last deploy record's. A table in Slack; a
// non-zero exit on no-go, naming the failed lines. Against an emulator
// (aws --endpoint-url) the public URL is the edge stand-in's, in front of
// the service's task as its state says (started for the check).
// +cache="never"
func (e *Environment) Preflight(
	ctx context.Context,
	// Date of the drop to check, YYYY-MM-DD (the catalogue's drop date), or tonight: the drop of the next midnight in the environment's event_time_zone (for a scheduled run).
	drop string,
) (string, error) {
	m, environment := e.module(), e.Name
	if drop == "tonight" {
		settings, err := m.environmentSettings(ctx, environment)
		if err != nil {
			return "", err
		}
		tz, _ := settings["event_time_zone"].(string)
		if drop, err = preflight.Tonight(time.Now(), tz); err != nil {
			return "", err
		}
	}
	if _, err := time.Parse("2006-01-02", drop); err != nil {
		return "", fmt.Errorf("--drop=%q: want a date YYYY-MM-DD (a drop date of the catalogue) or tonight", drop)
	}
	table, err := m.preflight(ctx, e.Aws, e.StateBucket, e.LockTable, environment, e.StacksPath, drop)
	if err != nil {
		return "", err
	}
	report := table.Render(fmt.Sprintf("preflight %s, drop %s", environment, drop))
	if err := e.postReport(ctx, report); err != nil {
		progress("! %v", err)
	}
	if !table.Go() {
		return "", fmt.Errorf("%s", report)
	}
	return report, nil
}

func (m *Eventmall) preflight(ctx context.Context, a *Aws, stateBucket, lockTable, environment, stacksPath, date string) (preflight.Table, error) {
	settings, err := m.environmentSettings(ctx, environment)
	if err != nil {
		return nil, err
	}
	event, _ := settings["event_name"].(string)
	files, err := m.catalogueFiles(ctx)
	if err != nil {
		return nil, err
	}
	expected, line := preflight.ExpectedDrop(event, date, files)
	table := preflight.Table{line}
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	var locks preflight.Line
	held, deploying, err := a.heldLocks(ctx, cfg, deployLock{table: lockTable, bucket: stateBucket, environment: environment})
	if err != nil {
		locks = preflight.Line{Check: "no deploy lock", Go: false, Detail: err.Error()}
	} else {
		locks = preflight.Locks(held)
	}

	r, derr := m.drift(ctx, a, stateBucket, lockTable, environment, stacksPath)
	if derr != nil {
		return append(table, preflight.Line{Check: "no drift", Go: false, Detail: derr.Error()}, locks), nil
	}
	scaling, running, other := preflight.Split(r.findings, "service")

	switch {
	case !line.Go:
	case a.EndpointURL != "" && deploying:
		// The database stand-in's files are the running deploy's.
		table = append(table, preflight.Line{Check: "visible publicly", Go: false, Detail: "not checked against the emulator while a deploy holds the deploy lock"})
	default:
		table = append(table, m.visible(ctx, a, r, stateBucket, environment, expected))
	}
	table = append(table, preflight.FromFindings("scheduled scaling", "scale-out and scale-in actions at the environment's schedule, in its zone", scaling))

	topic := str(r.outputs["base"], "alarm_topic_arn")
	var subs []preflight.Subscription
	alarm := true
	if topic != "" {
		p := sns.NewListSubscriptionsByTopicPaginator(sns.NewFromConfig(cfg), &sns.ListSubscriptionsByTopicInput{TopicArn: &topic})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				table = append(table, preflight.Line{Check: "alarm subscriber", Go: false, Detail: fmt.Sprintf("sns:ListSubscriptionsByTopic %s: %v", topic, err)})
				alarm = false
				break
			}
			for _, s := range page.Subscriptions {
				subs = append(subs, preflight.Subscription{Protocol: aws.ToString(s.Protocol), Endpoint: aws.ToString(s.Endpoint), ARN: aws.ToString(s.SubscriptionArn)})
			}
		}
	}
	if alarm {
		table = append(table, preflight.Alarm(topic, subs))
	}
	table = append(table, preflight.FromFindings("no drift", "stacks, site objects: as deployed", other), locks)
	if line.Go {
		ws, err := m.freezeWindows(ctx, environment)
		if err != nil {
			table = append(table, preflight.Line{Check: "freeze in place", Go: false, Detail: err.Error()})
		} else {
			table = append(table, preflight.Freeze(ws, expected))
		}
	}
	return append(table, preflight.FromFindings("running = last deploy",
		fmt.Sprintf("%s of deploy %s runs, as the state says", shortRef(r.last.Image), r.last.ID), running)), nil
}

// visible reads the public drops API (through the edge stand-in in front of
// the service's task against an emulator) and holds it to the catalogue.
func (m *Eventmall) visible(ctx context.Context, a *Aws, r *driftResult, stateBucket, environment string, expected preflight.Expected) preflight.Line {
	fail := func(format string, args ...any) preflight.Line {
		return preflight.Line{Check: "visible publicly", Go: false, Detail: fmt.Sprintf(format, args...)}
	}
	base := strings.TrimSuffix(str(r.outputs["service"], "api_health_url"), "/healthz")
	via := ""
	if a.EndpointURL != "" {
		// Nothing serves the emulated environment between deploys: its task
		// (the service's state) and the edge start for the check.
		td, err := a.stateTaskDefinition(ctx, stateBucket, stateKey(environment, "service"))
		if err != nil {
			return fail("%v", err)
		}
		c, err := containerOf(td, "")
		if err != nil {
			return fail("%v", err)
		}
		tier, err := a.startDataStandIns(ctx, r.outputs["data"])
		if err != nil {
			return fail("%v", err)
		}
		defer tier.stop(context.WithoutCancel(ctx))
		var running standInResult
		defer func() { running.stop(context.WithoutCancel(ctx)) }()
		why, err := a.startTaskBehindEdge(ctx, c, tier, str(r.outputs["edge"], "site_bucket_name"), &running)
		if err != nil {
			return fail("%v", err)
		}
		if why != "" {
			return fail("the service's task (stand-in) %s", why)
		}
		base = running.edgeURL
		via = " (the edge stand-in)"
	}
	if base == "" {
		return fail("the service stack names no api_health_url")
	}
	url := base + "/api/drops/current"
	status, body, err := httpGet(ctx, url)
	if err != nil {
		return fail("GET %s: %v", url, err)
	}
	l := preflight.Visible(expected, url, status, body)
	l.Detail += via
	return l
}

// heldLocks lists what holds the environment: its deploy lock (unless
// expired; deploying says whether one is held) and its Terraform state
// locks: the S3 lock objects next to the states (use_lockfile,
// "<environment>/<stack>.tfstate.tflock") and, with a lock table, the
// table's lock items of those states (they carry an Info attribute; the
// -md5 digest items do not).
func (a *Aws) heldLocks(ctx context.Context, cfg aws.Config, l deployLock) (held []string, deploying bool, err error) {
	h, err := a.heldDeployLock(ctx, l)
	if err != nil {
		return nil, false, err
	}
	if h != nil {
		name := deploylock.Key(l.environment)
		if l.table == "" {
			name = "s3://" + l.bucket + "/" + deploylock.ObjectKey(l.environment)
		}
		held = append(held, fmt.Sprintf("%s (run %s by %s, until %s)", name, h.RunID, h.Owner, h.Expires().UTC().Format(time.RFC3339)))
	}
	prefix := l.environment + "/"
	objects := s3.NewListObjectsV2Paginator(s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = a.EndpointURL != "" }),
		&s3.ListObjectsV2Input{Bucket: aws.String(l.bucket), Prefix: aws.String(prefix)})
	for objects.HasMorePages() {
		page, err := objects.NextPage(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("s3:ListObjectsV2 s3://%s/%s: %w", l.bucket, prefix, err)
		}
		for _, o := range page.Contents {
			if k := aws.ToString(o.Key); strings.HasSuffix(k, ".tfstate.tflock") {
				held = append(held, "s3://"+l.bucket+"/"+k)
			}
		}
	}
	if l.table == "" {
		return held, h != nil, nil
	}
	client := dynamodb.NewFromConfig(cfg)
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{
		TableName:                 aws.String(l.table),
		FilterExpression:          aws.String("begins_with(LockID, :p) AND attribute_exists(Info)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":p": &ddbtypes.AttributeValueMemberS{Value: l.bucket + "/" + prefix}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, false, fmt.Errorf("dynamodb:Scan %s: %w", l.table, err)
		}
		for _, it := range page.Items {
			if v, ok := it["LockID"].(*ddbtypes.AttributeValueMemberS); ok {
				held = append(held, v.Value)
			}
		}
	}
	return held, h != nil, nil
}

func httpGet(ctx context.Context, url string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}
