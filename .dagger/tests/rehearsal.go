package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"dagger/tests/internal/dagger"
)

// The stages every rehearsal from an empty emulator must pass: the whole
// chain, from the tests to the smoke test through the edge stand-in.
var mustSucceed = []string{
	"freeze", "test-backend", "test-frontend",
	"plan network", "apply network", "plan data", "apply data", "plan edge", "apply edge",
	"publish-backend", "plan service", "apply service", "sync-frontend", "db-release",
	"ecs-stand-in", "wait-service-stable", "smoke-test",
}

var imageRef = regexp.MustCompile(`^[^@\s]+/eventmall-backend@sha256:[0-9a-f]{64}$`)

// What the smoke test reports when it read the current drop through the edge stand-in.
var smokeThroughEdge = regexp.MustCompile(`through the edge stand-in: .*drops/current: event `)

// Rehearsal runs `rehearse` (deploy end to end against the emulator and the
// Slack recorder the module starts itself) and reads its result field by
// field: every stage of the chain succeeded and none failed, each skipped
// stage names why, the Slack thread holds one reply per stage and a parent
// reporting success, the image is published by
// digest, both screenshots are PNGs, and the shop it leaves is reachable: the
// deployed image serving the synced site and the current drop. Returns the
// screenshots (`rehearsal export --path=…`).
// +cache="never"
func (t *Tests) Rehearsal(
	ctx context.Context,
	// Registry standing in for ECR (host:port), as `rehearse --registry`.
	// +optional
	// +default="172.17.0.1:5000"
	registry string,
) (*dagger.Directory, error) {
	r := dag.Eventmall().Rehearse(dagger.EventmallRehearseOpts{Registry: registry})
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	stages, err := r.Stages(ctx)
	if err != nil {
		return nil, fmt.Errorf("rehearse: %w", err)
	}
	type stage struct{ name, status, detail string }
	var got []stage
	status := map[string]string{}
	for _, s := range stages {
		name, err := s.Name(ctx)
		if err != nil {
			return nil, err
		}
		st, err := s.Status(ctx)
		if err != nil {
			return nil, err
		}
		detail, err := s.Detail(ctx)
		if err != nil {
			return nil, err
		}
		got = append(got, stage{name, st, detail})
		status[name] = st
		switch {
		case st == "failed":
			fail("stage %s failed: %s", name, detail)
		case st == "skipped" && detail == "":
			fail("stage %s was skipped without a reason", name)
		}
	}
	for _, name := range mustSucceed {
		if status[name] != "succeeded" {
			fail("stage %s: want succeeded, got %q", name, status[name])
		}
	}
	for _, s := range got {
		if s.name == "smoke-test" && !smokeThroughEdge.MatchString(s.detail) {
			fail("smoke-test did not read the current drop through the edge stand-in: %s", s.detail)
		}
	}

	parent, err := r.Slack().Parent(ctx)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(parent, "eventmall deploy to rehearsal ") || !strings.Contains(parent, " succeeded in ") {
		fail("Slack's parent message does not report success: %q", parent)
	}
	replies, err := r.Slack().Replies(ctx)
	if err != nil {
		return nil, err
	}
	// One reply per stage. Stages that end together may post in either order.
	if len(replies) != len(got) {
		fail("Slack thread: %d replies for %d stages", len(replies), len(got))
	}
	for _, s := range got {
		n := 0
		for _, reply := range replies {
			if strings.Contains(reply, " "+s.name+" "+s.status+" in ") {
				n++
			}
		}
		if n != 1 {
			fail("Slack thread: %d replies for stage %s %s, want 1", n, s.name, s.status)
		}
	}

	image, err := r.Image(ctx)
	if err != nil {
		return nil, err
	}
	if !imageRef.MatchString(image) {
		fail("the published image is not a digest reference of eventmall-backend: %q", image)
	}

	shots := r.Screenshots()
	for _, name := range []string{"drop-phone.png", "drop-desktop.png"} {
		head, err := shots.File(name).Contents(ctx)
		if err != nil {
			fail("screenshot %s: %v", name, err)
			continue
		}
		// The PNG signature's ASCII part (its first byte is not UTF-8).
		if len(head) < 16 || !strings.Contains(head[:16], "PNG\r\n\x1a\n") {
			fail("screenshot %s is not a PNG", name)
		}
	}

	if err := checkShop(ctx, r.Shop()); err != nil {
		fail("the shop the rehearsal leaves: %v", err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return shots, nil
}

// checkShop starts the rehearsal's shop (as `rehearse shop up` serves it)
// and reads it as a customer's browser does: the page, then the current drop.
func checkShop(ctx context.Context, shop *dagger.Service) error {
	shop, err := shop.Start(ctx)
	if err != nil {
		return fmt.Errorf("starting it: %w", err)
	}
	defer shop.Stop(context.WithoutCancel(ctx))
	url, err := shop.Endpoint(ctx, dagger.ServiceEndpointOpts{Port: 8080, Scheme: "http"})
	if err != nil {
		return err
	}
	page, err := get(ctx, url+"/")
	if err != nil {
		return err
	}
	if !strings.Contains(page, "<script") {
		return fmt.Errorf("GET / is not the built site: %.200q", page)
	}
	body, err := get(ctx, url+"/api/drops/current")
	if err != nil {
		return err
	}
	var drop struct {
		Event any `json:"event"`
	}
	if err := json.Unmarshal([]byte(body), &drop); err != nil {
		return fmt.Errorf("GET /api/drops/current: not JSON: %w: %.200q", err, body)
	}
	if drop.Event == nil {
		return fmt.Errorf("GET /api/drops/current names no event: %.200q", body)
	}
	return nil
}

func get(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d: %.200q", url, resp.StatusCode, b)
	}
	return string(b), nil
}
