package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"dagger/eventmall/history"
	"dagger/eventmall/rollback"
)

// Rollback restores an earlier deploy in one call: its image digest is
// re-applied to the service stack (the other stacks are read, left as they
// are), with db-release of that image before it, its index.html version is
// restored in the versioned site bucket (the hashed assets it loads are
// still there within the sync's grace period; the rollback refuses, naming
// the object, when one is gone) and invalidated, then the rollout is
// verified and the smoke test run, as in deploy. One Slack thread; a
// history record of kind rollback. Allowed during a freeze, but not while
// another deploy or rollback holds the environment's deploy lock (taken
// before the history is read). By default it restores the successful deploy
// before the one running now.
// Runs once per dagger session (each `dagger call` runs it anew), so its
// report can be read field by field: with +cache="never" each field read
// would run it again (seen on v0.19.7, also through the report's ID).
// +cache="session"
func (e *Environment) Rollback(
	ctx context.Context,
	// Id of the deploy to restore (dagger call … history lists them); default: the successful deploy before the one running now.
	// +optional
	to string,
	// Name of this run in the deploy lock (e.g. the CI run id); default: time and random.
	// +optional
	runId string,
	// How long to wait for another deploy or rollback holding the deploy lock, e.g. 10m; 0s: refuse at once.
	// +optional
	// +default="0s"
	lockWait string,
	// How long the deploy lock lasts if this run dies without releasing it.
	// +optional
	// +default="2h"
	lockTtl string,
) (*DeployReport, error) {
	opts, err := deployOptionsOf(nil, runId, lockWait, lockTtl)
	if err != nil {
		return nil, err
	}
	out, err := e.deploy(ctx, deployRun{options: opts, rollback: true, rollbackTo: to})
	if err != nil {
		return nil, err
	}
	return out.deployReport(), nil
}

// chooseRollbackTarget is a rollback's first stage: the record it restores.
func (d *deployment) chooseRollbackTarget(ctx context.Context) error {
	return d.run.Stage(ctx, "rollback-target", d.rollbackTargetStage)
}

func (d *deployment) rollbackTargetStage(ctx context.Context) (string, error) {
	rs, err := d.aws.records(ctx, d.stateBucket, d.environment)
	if err != nil {
		return "", err
	}
	t, current, err := history.RollbackTarget(rs, d.rollbackTo)
	if err != nil {
		return "", err
	}
	d.rollbackTarget = t
	d.rel.set(func(r *history.Record) {
		r.RollbackTo, r.Revision, r.Image = t.ID, t.Revision, t.Image
	})
	return fmt.Sprintf("restoring %s (revision %s, %s); running now: %s (%s)", t.ID, t.Revision, t.Image, current.ID, current.Image), nil
}

// restoreIndex makes an earlier version of index.html the current one
// (a copy, so the history of versions stays intact), after checking that
// every object it loads is still in the bucket, then invalidates it.
func (a *Aws) restoreIndex(ctx context.Context, bucket, versionID, distributionID string) (string, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return "", err
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = a.EndpointURL != "" })
	old, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("index.html"), VersionId: &versionID})
	if err != nil {
		return "", fmt.Errorf("reading index.html version %s of s3://%s: %w", versionID, bucket, err)
	}
	page, err := io.ReadAll(old.Body)
	old.Body.Close()
	if err != nil {
		return "", err
	}
	refs := rollback.AssetRefs(page)
	for _, key := range refs {
		if _, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String(key)}); err != nil {
			var nf *s3types.NotFound
			if errors.As(err, &nf) {
				return "", fmt.Errorf("index.html version %s loads %s, which is no longer in s3://%s (pruned after the sync's grace period); deploy that revision instead", versionID, key, bucket)
			}
			return "", fmt.Errorf("checking s3://%s/%s: %w", bucket, key, err)
		}
	}
	_, err = client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:               &bucket,
		Key:                  aws.String("index.html"),
		CopySource:           aws.String(url.PathEscape(bucket) + "/index.html?versionId=" + url.QueryEscape(versionID)),
		MetadataDirective:    s3types.MetadataDirectiveCopy,
		ServerSideEncryption: s3types.ServerSideEncryptionAes256,
	})
	if err != nil {
		return "", fmt.Errorf("restoring index.html version %s in s3://%s: %w", versionID, bucket, err)
	}
	invalidation := "none (no distribution)"
	if distributionID != "" {
		paths := []string{"/", "/index.html"}
		id, err := invalidate(ctx, cloudfront.NewFromConfig(cfg), distributionID, paths)
		if err != nil {
			return "", err
		}
		invalidation = fmt.Sprintf("%s (%s) completed", id, strings.Join(paths, " "))
	}
	return fmt.Sprintf("index.html version %s restored (%d assets it loads present); invalidation: %s", versionID, len(refs), invalidation), nil
}
