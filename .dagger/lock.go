package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
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

// deployLock is where an environment's deploy lock lives: an item of the
// DynamoDB lock table when one is given (older setups), else an S3 object
// next to the environment's state (deploylock.ObjectKey), as the state
// locks themselves are (use_lockfile). An environment's deploys all pass
// the table or none do: the two stores do not see each other.
type deployLock struct {
	table, bucket, environment string
}

// where names the lock for messages: "item eventmall-deploy/prod of table t"
// or "s3://bucket/prod/eventmall-deploy.lock".
func (l deployLock) where() string {
	if l.table != "" {
		return "item " + deploylock.Key(l.environment) + " of table " + l.table
	}
	return "s3://" + l.bucket + "/" + deploylock.ObjectKey(l.environment)
}

// store is the environment's arguments naming where the lock lives.
func (l deployLock) store() string {
	if l.table != "" {
		return "--state-bucket=" + l.bucket + " --lock-table=" + l.table
	}
	return "--state-bucket=" + l.bucket
}

// lockClient does one attempt at the lock in its store.
type lockClient interface {
	// tryPut writes h if the lock is absent or expired; otherwise it
	// returns the holder (nil: released meanwhile, try again).
	tryPut(ctx context.Context, h deploylock.Holder, now time.Time) (taken bool, holder *deploylock.Holder, err error)
	// read returns the current holder (nil: none) and a token for remove.
	read(ctx context.Context) (*deploylock.Holder, string, error)
	// remove deletes the lock if it is still the one read (token).
	remove(ctx context.Context, token string) error
}

func (a *Aws) lockClient(ctx context.Context, l deployLock) (lockClient, aws.Config, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, cfg, err
	}
	if l.table != "" {
		return &tableLock{l: l, db: dynamodb.NewFromConfig(cfg)}, cfg, nil
	}
	if l.bucket == "" {
		return nil, cfg, fmt.Errorf("the deploy lock needs a lock table or the state bucket")
	}
	return &objectLock{l: l, s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = a.EndpointURL != "" })}, cfg, nil
}

// acquireDeployLock takes the environment's deploy lock with a conditional
// write (absent or expired), waiting up to wait while another deploy holds
// it; the error names the holder.
func (a *Aws) acquireDeployLock(ctx context.Context, l deployLock, h deploylock.Holder, wait time.Duration) error {
	client, cfg, err := a.lockClient(ctx, l)
	if err != nil {
		return err
	}
	if h.Owner == "" {
		h.Owner = a.callerName(ctx, cfg)
	}
	deadline := time.Now().Add(wait)
	for {
		now := time.Now()
		h.Started = now
		taken, other, err := client.tryPut(ctx, h, now)
		if err != nil {
			return fmt.Errorf("taking the deploy lock (%s): %w", l.where(), err)
		}
		if taken {
			progress("deploy lock %s taken: run %s by %s, until %s", l.where(), h.RunID, h.Owner, h.Expires().UTC().Format(time.RFC3339))
			return nil
		}
		if other == nil {
			continue // released meanwhile
		}
		herr := &deploylock.HeldError{Environment: l.environment, Holder: *other, Now: now, Waited: wait - time.Until(deadline), Store: l.store()}
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
func (a *Aws) releaseDeployLock(ctx context.Context, l deployLock, runID string) error {
	client, _, err := a.lockClient(ctx, l)
	if err != nil {
		return err
	}
	h, token, err := client.read(ctx)
	if err != nil {
		return err
	}
	if h == nil || h.RunID != runID {
		return fmt.Errorf("the deploy lock %s is no longer this run's (%s): it expired or was unlocked", l.where(), runID)
	}
	if err := client.remove(ctx, token); err != nil {
		if errors.Is(err, errLockChanged) {
			return fmt.Errorf("the deploy lock %s is no longer this run's (%s): it expired or was unlocked", l.where(), runID)
		}
		return err
	}
	return nil
}

// errLockChanged: the lock is not the one read (taken over, released).
var errLockChanged = errors.New("the deploy lock changed since it was read")

// heldDeployLock is the holder of an environment's deploy lock, nil when
// none holds it (or its lock expired).
func (a *Aws) heldDeployLock(ctx context.Context, l deployLock) (*deploylock.Holder, error) {
	client, _, err := a.lockClient(ctx, l)
	if err != nil {
		return nil, err
	}
	h, _, err := client.read(ctx)
	if err != nil || h == nil || deploylock.Free(h, time.Now()) {
		return nil, err
	}
	return h, nil
}

// Unlock releases the deploy lock of the environment that a dead deploy
// left behind, and says whose it was. With --run-id, only that run's lock is
// released. The lock is where the environment's deploys keep it: an item of
// its lock table when it has one, else an S3 object in its state bucket.
// +cache="never"
func (e *Environment) Unlock(
	ctx context.Context,
	// Release only if this run holds the lock (as the waiting deploy named it).
	// +optional
	runId string,
) (string, error) {
	a, environment := e.Aws, e.Name
	l := deployLock{table: e.LockTable, bucket: e.StateBucket, environment: environment}
	client, _, err := a.lockClient(ctx, l)
	if err != nil {
		return "", err
	}
	h, token, err := client.read(ctx)
	if err != nil {
		return "", err
	}
	if h == nil {
		return fmt.Sprintf("no deploy lock held for %s", environment), nil
	}
	if runId != "" && h.RunID != runId {
		return "", fmt.Errorf("the deploy lock of %s is held by run %s (%s), not %s: not released", environment, h.RunID, h.Owner, runId)
	}
	if err := client.remove(ctx, token); err != nil {
		if errors.Is(err, errLockChanged) {
			return "", fmt.Errorf("the deploy lock of %s changed while it was being released (another run took it): not released; read it again", environment)
		}
		return "", err
	}
	return fmt.Sprintf("released the deploy lock of %s held by run %s (%s) since %s (%s)", environment, h.RunID, h.Owner, h.Started.UTC().Format(time.RFC3339), l.where()), nil
}

// tableLock: the lock as an item of the DynamoDB lock table.
type tableLock struct {
	l  deployLock
	db *dynamodb.Client
}

func (t *tableLock) key() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"LockID": &types.AttributeValueMemberS{Value: deploylock.Key(t.l.environment)}}
}

func (t *tableLock) tryPut(ctx context.Context, h deploylock.Holder, now time.Time) (bool, *deploylock.Holder, error) {
	_, err := t.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(t.l.table),
		Item:                lockItem(h, t.l.environment),
		ConditionExpression: aws.String("attribute_not_exists(LockID) OR ExpiresAt < :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		},
	})
	if err == nil {
		return true, nil, nil
	}
	var held *types.ConditionalCheckFailedException
	if !errors.As(err, &held) {
		return false, nil, err
	}
	other, _, err := t.read(ctx)
	return false, other, err
}

func (t *tableLock) read(ctx context.Context) (*deploylock.Holder, string, error) {
	got, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.l.table), Key: t.key(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, "", fmt.Errorf("reading the deploy lock %s: %w", t.l.where(), err)
	}
	h, ok := holderOf(got.Item)
	if !ok {
		return nil, "", nil
	}
	return &h, h.RunID, nil
}

// remove deletes the item if the run read (token) still holds it.
func (t *tableLock) remove(ctx context.Context, runID string) error {
	_, err := t.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(t.l.table),
		Key:                 t.key(),
		ConditionExpression: aws.String("RunID = :run"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":run": &types.AttributeValueMemberS{Value: runID},
		},
	})
	var gone *types.ConditionalCheckFailedException
	if errors.As(err, &gone) {
		return errLockChanged
	}
	return err
}

// objectLock: the lock as an S3 object next to the state, written with
// S3's conditional writes: If-None-Match: * creates it only if absent (412
// PreconditionFailed while another run holds it), If-Match: <ETag> takes
// over an expired one or deletes it only if unchanged since read.
type objectLock struct {
	l  deployLock
	s3 *s3.Client
}

func (o *objectLock) key() *string { return aws.String(deploylock.ObjectKey(o.l.environment)) }

func (o *objectLock) put(ctx context.Context, h deploylock.Holder, ifMatch string) error {
	in := &s3.PutObjectInput{
		Bucket: aws.String(o.l.bucket), Key: o.key(), Body: bytes.NewReader(h.Object(o.l.environment)),
		ContentType: aws.String("application/json"), ServerSideEncryption: s3types.ServerSideEncryptionAes256,
	}
	if ifMatch == "" {
		in.IfNoneMatch = aws.String("*")
	} else {
		in.IfMatch = aws.String(ifMatch)
	}
	_, err := o.s3.PutObject(ctx, in)
	return err
}

func (o *objectLock) tryPut(ctx context.Context, h deploylock.Holder, now time.Time) (bool, *deploylock.Holder, error) {
	err := o.put(ctx, h, "")
	if err == nil {
		return true, nil, nil
	}
	if !conditionFailed(err) {
		return false, nil, err
	}
	other, etag, err := o.read(ctx)
	if err != nil || other == nil {
		return false, nil, err
	}
	if !deploylock.Free(other, now) {
		return false, other, nil
	}
	// Expired: take it over, only if nobody rewrote it since it was read.
	if err := o.put(ctx, h, etag); err == nil {
		progress("deploy lock %s: run %s's lock expired at %s; taken over", o.l.where(), other.RunID, other.Expires().UTC().Format(time.RFC3339))
		return true, nil, nil
	} else if !conditionFailed(err) {
		return false, nil, err
	}
	return false, nil, nil // changed meanwhile: try again
}

func (o *objectLock) read(ctx context.Context) (*deploylock.Holder, string, error) {
	got, err := o.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.l.bucket), Key: o.key()})
	if err != nil {
		var missing *s3types.NoSuchKey
		if errors.As(err, &missing) {
			return nil, "", nil
		}
		return nil, "", fmt.Errorf("reading the deploy lock %s: %w", o.l.where(), err)
	}
	defer got.Body.Close()
	b, err := io.ReadAll(got.Body)
	if err != nil {
		return nil, "", fmt.Errorf("reading the deploy lock %s: %w", o.l.where(), err)
	}
	h, ok := deploylock.FromObject(b)
	if !ok {
		return nil, "", fmt.Errorf("%s is not a deploy lock (%d bytes): look at it and delete it by hand", o.l.where(), len(b))
	}
	return &h, aws.ToString(got.ETag), nil
}

// remove deletes the object if it is still the one read (its ETag).
func (o *objectLock) remove(ctx context.Context, etag string) error {
	_, err := o.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(o.l.bucket), Key: o.key(), IfMatch: aws.String(etag)})
	if conditionFailed(err) {
		return errLockChanged
	}
	return err
}

// conditionFailed: S3 refused a conditional write or delete (412
// PreconditionFailed; 409 ConditionalRequestConflict when two race).
func conditionFailed(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && (re.HTTPStatusCode() == 412 || re.HTTPStatusCode() == 409)
}
