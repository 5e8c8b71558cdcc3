package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dagger/eventmall/freeze"
)

// parseNow is the clock of a run: now, or the RFC 3339 time given (rehearsals).
func parseNow(now string) (time.Time, error) {
	if now == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now %q is not an RFC 3339 time (e.g. 2026-12-03T23:30:00+01:00): %w", now, err)
	}
	return t, nil
}

// catalogueFiles reads backend/catalog/*.json.
func (m *Eventmall) catalogueFiles(ctx context.Context) (map[string][]byte, error) {
	dir := m.Source.Directory("backend/catalog")
	names, err := dir.Glob(ctx, "*.json")
	if err != nil {
		return nil, fmt.Errorf("listing backend/catalog: %w", err)
	}
	files := map[string][]byte{}
	for _, n := range names {
		text, err := dir.File(n).Contents(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading backend/catalog/%s: %w", n, err)
		}
		files[n] = []byte(text)
	}
	return files, nil
}

// freezeWindows computes the environment's freeze windows from its settings
// (terraform/environments) and the catalogue's drops (backend/catalog).
func (m *Eventmall) freezeWindows(ctx context.Context, environment string) ([]freeze.Window, error) {
	settings, err := m.environmentSettings(ctx, environment)
	if err != nil {
		return nil, err
	}
	s, err := freeze.SettingsFrom(settings)
	if err != nil {
		return nil, err
	}
	event, _ := settings["event_name"].(string)
	files, err := m.catalogueFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("freeze: %w", err)
	}
	drops, err := freeze.DropsFrom(event, files)
	if err != nil {
		return nil, err
	}
	return freeze.Windows(s, drops)
}

// Freeze lists the environment's deploy freeze windows, computed from its
// scaling schedule and time zone (terraform/environments) and the
// catalogue's drop dates (backend/catalog), and says whether a deploy would
// be refused now. Reads only the repository.
// +cache="never"
func (m *Eventmall) Freeze(
	ctx context.Context,
	// Environment whose settings to read.
	// +optional
	// +default="prod"
	environment string,
	// The time to judge, RFC 3339 (default: now).
	// +optional
	now string,
) (string, error) {
	clock, err := parseNow(now)
	if err != nil {
		return "", err
	}
	ws, err := m.freezeWindows(ctx, environment)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, w := range ws {
		mark := " "
		if w.Contains(clock) {
			mark = "*"
		}
		fmt.Fprintf(&b, "%s %s\n", mark, w)
	}
	d := freeze.Decide(ws, clock, "")
	if d.Allowed {
		b.WriteString("deploys allowed: " + d.Detail + "\n")
	} else {
		b.WriteString("deploys refused: " + d.Detail + "\n")
	}
	return b.String(), nil
}
