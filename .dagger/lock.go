package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"dagger/eventmall/deploylock"
)

// lockItem is the DynamoDB form of a holder: ExpiresAt a number, so the
// conditional write can compare it.
func lockItem(h deploylock.Holder, environment string) map[string]types.AttributeValue {
	out := map[string]types.AttributeValue{}
	for k, v := range h.Item(environment) {
		if k == "ExpiresAt" {
			out[k] = &types.AttributeValueMemberN{Value: v}
		} else {
			out[k] = &types.AttributeValueMemberS{Value: v}
		}
	}
	return out
}

func holderOf(item map[string]types.AttributeValue) (deploylock.Holder, bool) {
	flat := map[string]string{}
	for k, v := range item {
		switch x := v.(type) {
		case *types.AttributeValueMemberS:
			flat[k] = x.Value
		case *types.AttributeValueMemberN:
			flat[k] = x.Value
		}
	}
	return deploylock.FromItem(flat)
}

// newRunID names a deploy run when the caller gives none.
func newRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// callerName is who deploys: the assumed role's session ARN (the vendors
// name the session after their run), or "unknown".
func (a *Aws) callerName(ctx context.Context, cfg aws.Config) string {
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || out.Arn == nil {
		return "unknown"
	}
	return *out.Arn
}

// acquireDeployLock takes the environment's deploy lock with a conditional
// write (absent or expired), waiting up to wait while another deploy holds
// it; the error names the holder.
func (a *Aws) acquireDeployLock(ctx context.Context, table, environment string, h deploylock.Holder, wait time.Duration) error {
	cfg, err := a.config(ctx)
	if err != nil {
		return err
	}
	if h.Owner == "" {
		h.Owner = a.callerName(ctx, cfg)
	}
	db := dynamodb.NewFromConfig(cfg)
	deadline := time.Now().Add(wait)
	for {
		now := time.Now()
		h.Started = now
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:           aws.String(table),
			Item:                lockItem(h, environment),
			ConditionExpression: aws.String("attribute_not_exists(LockID) OR ExpiresAt < :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
			},
		})
		if err == nil {
			progress("deploy lock %s taken: run %s by %s, until %s", deploylock.Key(environment), h.RunID, h.Owner, h.Expires().UTC().Format(time.RFC3339))
			return nil
		}
		var held *types.ConditionalCheckFailedException
		if !errors.As(err, &held) {
			return fmt.Errorf("taking the deploy lock %s in table %s: %w", deploylock.Key(environment), table, err)
		}
		got, gerr := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: deploylock.Key(environment)}},
		})
		if gerr != nil {
			return fmt.Errorf("reading the deploy lock %s: %w", deploylock.Key(environment), gerr)
		}
		other, ok := holderOf(got.Item)
		if !ok {
			continue // released meanwhile
		}
		herr := &deploylock.HeldError{Environment: environment, Holder: other, Now: now, Waited: wait - time.Until(deadline)}
		if !time.Now().Before(deadline) {
			return herr
		}
		progress("waiting: %v", herr)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
		}
	}
}

// releaseDeployLock deletes the lock if this run still holds it.
func (a *Aws) releaseDeployLock(ctx context.Context, table, environment, runID string) error {
	cfg, err := a.config(ctx)
	if err != nil {
		return err
	}
	_, err = dynamodb.NewFromConfig(cfg).DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(table),
		Key:                 map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: deploylock.Key(environment)}},
		ConditionExpression: aws.String("RunID = :run"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":run": &types.AttributeValueMemberS{Value: runID},
		},
	})
	var gone *types.ConditionalCheckFailedException
	if errors.As(err, &gone) {
		return fmt.Errorf("the deploy lock %s is no longer this run's (%s): it expired or was unlocked", deploylock.Key(environment), runID)
	}
	return err
}

// Unlock releases the deploy lock of an environment that a dead deploy left
// behind, and says whose it was. With --run-id, only that run's lock is
// released.
// +cache="never"
func (a *Aws) Unlock(
	ctx context.Context,
	// DynamoDB table of the Terraform state locks (the deploy lock lives there).
	lockTable string,
	// Environment whose deploy lock to release.
	environment string,
	// Release only if this run holds the lock (as the waiting deploy named it).
	// +optional
	runId string,
) (string, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return "", err
	}
	db := dynamodb.NewFromConfig(cfg)
	key := map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: deploylock.Key(environment)}}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(lockTable), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("reading the deploy lock %s: %w", deploylock.Key(environment), err)
	}
	h, ok := holderOf(got.Item)
	if !ok {
		return fmt.Sprintf("no deploy lock held for %s", environment), nil
	}
	in := &dynamodb.DeleteItemInput{TableName: aws.String(lockTable), Key: key}
	if runId != "" {
		in.ConditionExpression = aws.String("RunID = :run")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":run": &types.AttributeValueMemberS{Value: runId}}
	}
	if _, err := db.DeleteItem(ctx, in); err != nil {
		var other *types.ConditionalCheckFailedException
		if errors.As(err, &other) {
			return "", fmt.Errorf("the deploy lock of %s is held by run %s (%s), not %s: not released", environment, h.RunID, h.Owner, runId)
		}
		return "", err
	}
	return fmt.Sprintf("released the deploy lock of %s held by run %s (%s) since %s", environment, h.RunID, h.Owner, h.Started.UTC().Format(time.RFC3339)), nil
}
