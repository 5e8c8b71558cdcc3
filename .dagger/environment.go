package main

import (
	"context"

	"dagger/eventmall/internal/dagger"
)

// Environment is one environment of the shop in an AWS account: where its
// Terraform state, deploy lock and history live, the stacks it is made of
// and where its notices go. It is built once, as a chain from the account
// (`aws --access-key-id=… environment --name=prod --state-bucket=… deploy`),
// and deploy, plan, drift, preflight, history, rollback, unlock and each stack
// alone act on it.
type Environment struct {
	// The account the environment runs in (credentials, region).
	// +private
	Aws *Aws
	// Name of the environment: its state key prefix and a variable of every
	// stack (terraform/environments/<name>.tfvars.json).
	Name string
	// S3 bucket holding Terraform state, the deploy lock and the history.
	StateBucket string
	// DynamoDB table also locking Terraform state and holding the deploy
	// lock (older setups); empty: both are S3 objects next to the state.
	LockTable string
	// Folder of the Terraform stacks in the source.
	StacksPath string
	// +private
	SlackToken *dagger.Secret
	// Slack channel of the deploy thread and the scheduled reports.
	SlackChannel string
	// Slack Web API base URL: set by WithSlackApi, for a rehearsal's recorder only.
	// +private
	SlackApiURL string
	// The time freeze windows are judged at, RFC 3339: set by WithClock, for rehearsals only.
	// +private
	Now string
}

// Environment returns one environment of the shop in this account, for
// deploy, plan, drift, preflight, history and rollback, e.g.
// `aws --access-key-id=env://AWS_ACCESS_KEY_ID --secret-access-key=env://AWS_SECRET_ACCESS_KEY environment --name=prod --state-bucket=my-state deploy summary`.
func (a *Aws) Environment(
	// Name of the environment: the state key prefix and a variable of every stack.
	// +optional
	// +default="prod"
	name string,
	// S3 bucket holding Terraform state (and the deploy lock and history).
	stateBucket string,
	// DynamoDB table also locking Terraform state and holding the deploy
	// lock (older setups); empty: state locks are S3 objects (use_lockfile)
	// and the deploy lock is an S3 object next to the state.
	// +optional
	lockTable string,
	// Slack bot token; without it, no Slack messages are sent.
	// +optional
	slackToken *dagger.Secret,
	// Slack channel for the deploy thread and the scheduled reports.
	// +optional
	slackChannel string,
	// Folder of the Terraform stacks.
	// +optional
	// +default="terraform/stacks"
	stacksPath string,
) *Environment {
	return &Environment{
		Aws: a, Name: name, StateBucket: stateBucket, LockTable: lockTable,
		SlackToken: slackToken, SlackChannel: slackChannel, StacksPath: stacksPath,
	}
}

// WithSlackApi sends the environment's Slack messages to another Web API
// base URL; only for a rehearsal against a local recorder of Slack's API.
func (e *Environment) WithSlackApi(
	// Base URL of the Web API, ending in /api/.
	url string,
) *Environment {
	c := *e
	c.SlackApiURL = url
	return &c
}

// WithClock judges freeze windows at a given time instead of now; only for
// rehearsals of a deploy or plan near a drop's midnight.
func (e *Environment) WithClock(
	// The time, RFC 3339, e.g. 2026-12-24T23:30:00Z.
	now string,
) *Environment {
	c := *e
	c.Now = now
	return &c
}

// module is the module this environment deploys (its source).
func (e *Environment) module() *Eventmall { return e.Aws.Module }

// Stack returns one Terraform stack of the environment, to run alone, e.g.
// the administrator's `… environment … stack --name=base plan apply`.
func (e *Environment) Stack(
	// Stack name: base, network, edge, data or service (a folder of the stacks path).
	name string,
) *Stack {
	return e.Aws.stack(name, e.StateBucket, e.LockTable, e.Name, e.StacksPath)
}

// postReport sends a scheduled check's report to the environment's Slack
// channel (nothing without a token).
func (e *Environment) postReport(ctx context.Context, text string) error {
	return postReport(ctx, e.SlackToken, e.SlackChannel, e.SlackApiURL, text)
}
