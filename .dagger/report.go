package main

import "dagger/eventmall/notify"

// StageResult is how one stage of a deploy ended.
type StageResult struct {
	// The stage, e.g. test-backend, plan edge, publish-backend.
	Name string
	// succeeded, failed or skipped.
	Status string
	// How long it ran, in seconds.
	Seconds float64
	// One line about it: a plan's counts, an image digest, a sync report.
	Detail string
}

func stageResults(results []notify.StageResult) []*StageResult {
	out := make([]*StageResult, len(results))
	for i, r := range results {
		out[i] = &StageResult{Name: r.Stage, Status: string(r.Status), Seconds: r.Duration.Seconds(), Detail: r.Detail}
	}
	return out
}
