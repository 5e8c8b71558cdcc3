package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// namedCheck is one check of a set run together.
type namedCheck struct {
	name string
	run  func(context.Context) error
}

// checkResult is how one check of a set ended.
type checkResult struct {
	name string
	err  error
	took time.Duration
}

// runChecks runs every check concurrently, each to its end (one failure
// does not cancel the others), and returns their results in order.
func runChecks(ctx context.Context, checks []namedCheck) []checkResult {
	results := make([]checkResult, len(checks))
	var g errgroup.Group
	for i, c := range checks {
		g.Go(func() error {
			start := time.Now()
			err := c.run(ctx)
			results[i] = checkResult{name: c.name, err: err, took: time.Since(start)}
			if err != nil {
				progress("✘ %s (%s)", c.name, results[i].took.Round(time.Millisecond))
			} else {
				progress("✔ %s (%s)", c.name, results[i].took.Round(time.Millisecond))
			}
			return nil
		})
	}
	_ = g.Wait()
	return results
}

// runAll runs checks concurrently and joins every failure, each named.
func runAll(ctx context.Context, checks ...namedCheck) error {
	return joinFailures(runChecks(ctx, checks))
}

func joinFailures(results []checkResult) error {
	var errs []error
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.name, r.err))
		}
	}
	return errors.Join(errs...)
}

// checkTable renders results as a table: check, result, seconds.
func checkTable(results []checkResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %-7s %8s\n", "CHECK", "RESULT", "SECONDS")
	failed := 0
	for _, r := range results {
		status := "passed"
		if r.err != nil {
			status, failed = "FAILED", failed+1
		}
		fmt.Fprintf(&b, "%-20s %-7s %8.1f\n", r.name, status, r.took.Seconds())
	}
	fmt.Fprintf(&b, "checks: %d passed, %d failed\n", len(results)-failed, failed)
	return b.String()
}
