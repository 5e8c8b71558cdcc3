package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"

	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/s3sync"
)

// SyncFrontend uploads the built site to its S3 bucket and refreshes
// CloudFront: only changed files are uploaded, hashed assets first with
// immutable caching, index.html last with no-cache; the changed paths are
// invalidated and the invalidation waited for; then stale objects are
// pruned (recent hashed assets are kept for pages still open). Returns what
// it did, field by field (`sync-frontend … summary` prints it in one line).
// Runs once per dagger session (each `dagger call` runs it anew), so its
// report can be read field by field: with +cache="never" each field read
// would run it again (seen on v0.19.7, also through the report's ID).
// +cache="session"
func (a *Aws) SyncFrontend(
	ctx context.Context,
	// Site bucket (edge stack output site_bucket_name).
	bucket string,
	// CloudFront distribution id (edge stack output distribution_id); empty skips the invalidation.
	// +optional
	distributionId string,
	// The built site; defaults to build-frontend.
	// +optional
	site *dagger.Directory,
	// Keep stale hashed assets younger than this, for pages loaded before the deploy.
	// +optional
	// +default="24h"
	assetGrace string,
) (*SyncReport, error) {
	grace, err := time.ParseDuration(assetGrace)
	if err != nil {
		return nil, fmt.Errorf("sync-frontend: asset-grace %q is not a duration (e.g. 24h): %w", assetGrace, err)
	}
	if site == nil {
		site = a.Module.BuildFrontend()
	}
	local, dir, err := exportSite(ctx, site)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = a.EndpointURL != "" })
	remote, err := listObjects(ctx, client, bucket)
	if err != nil {
		return nil, err
	}
	plan := s3sync.MakePlan(local, remote, s3sync.Options{Now: time.Now(), AssetGrace: grace})

	// Everything but index.html in parallel, then index.html: it must never
	// name an asset that is not there yet.
	var first, last []s3sync.Upload
	for _, u := range plan.Uploads {
		if u.Key == s3sync.IndexKey {
			last = append(last, u)
		} else {
			first = append(first, u)
		}
	}
	for _, batch := range [][]s3sync.Upload{first, last} {
		if err := uploadAll(ctx, client, bucket, dir, batch); err != nil {
			return nil, err
		}
	}
	report := &SyncReport{Bucket: bucket, Uploaded: len(plan.Uploads), Unchanged: len(plan.Unchanged),
		Pruned: len(plan.Prune), Kept: len(plan.Kept)}

	if distributionId != "" && len(plan.Invalidate) > 0 {
		id, err := invalidate(ctx, cloudfront.NewFromConfig(cfg), distributionId, plan.Invalidate)
		if err != nil {
			return nil, err
		}
		report.InvalidationId, report.InvalidatedPaths = id, plan.Invalidate
	}

	for _, key := range plan.Prune {
		if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(key)}); err != nil {
			return nil, fmt.Errorf("pruning s3://%s/%s: %w", bucket, key, err)
		}
	}
	return report, nil
}

// SyncReport is what one sync-frontend did.
type SyncReport struct {
	// The site bucket synced.
	Bucket string
	// Files uploaded: new or changed since the bucket's copy.
	Uploaded int
	// Files the bucket already held with the same content (not uploaded).
	Unchanged int
	// Stale objects deleted after the upload and the invalidation.
	Pruned int
	// Stale hashed assets kept (younger than --asset-grace) for pages loaded before this sync.
	Kept int
	// The CloudFront invalidation created and waited for; empty when none was needed.
	InvalidationId string
	// The paths that invalidation covered.
	InvalidatedPaths []string
}

// Summary is the report in one line, as deploy's stage table shows it.
func (r *SyncReport) Summary() string {
	invalidation := "none needed"
	if r.InvalidationId != "" {
		invalidation = fmt.Sprintf("%s (%s) completed", r.InvalidationId, strings.Join(r.InvalidatedPaths, " "))
	}
	return fmt.Sprintf("uploaded %d, unchanged %d, pruned %d, kept %d; invalidation: %s",
		r.Uploaded, r.Unchanged, r.Pruned, r.Kept, invalidation)
}

// exportSite writes the site to a temporary folder of this process and
// lists it with MD5 digests (S3's ETag of a single-part upload).
func exportSite(ctx context.Context, site *dagger.Directory) ([]s3sync.LocalFile, string, error) {
	dir, err := os.MkdirTemp("", "site-")
	if err != nil {
		return nil, "", err
	}
	if _, err := site.Export(ctx, dir); err != nil {
		return nil, dir, fmt.Errorf("exporting the built site: %w", err)
	}
	var files []s3sync.LocalFile
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := md5.Sum(b)
		rel, _ := filepath.Rel(dir, p)
		files = append(files, s3sync.LocalFile{Key: filepath.ToSlash(rel), Size: int64(len(b)), MD5: hex.EncodeToString(sum[:])})
		return nil
	})
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("the built site is empty")
	}
	return files, dir, err
}

func listObjects(ctx context.Context, client *s3.Client, bucket string) ([]s3sync.RemoteObject, error) {
	var objects []s3sync.RemoteObject
	pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: &bucket})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s: %w", bucket, err)
		}
		for _, o := range page.Contents {
			objects = append(objects, s3sync.RemoteObject{
				Key: aws.ToString(o.Key), ETag: aws.ToString(o.ETag),
				Size: aws.ToInt64(o.Size), LastModified: aws.ToTime(o.LastModified),
			})
		}
	}
	return objects, nil
}

func uploadAll(ctx context.Context, client *s3.Client, bucket, dir string, uploads []s3sync.Upload) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, u := range uploads {
		g.Go(func() error {
			body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(u.Key)))
			if err != nil {
				return err
			}
			_, err = client.PutObject(ctx, &s3.PutObjectInput{
				Bucket:       &bucket,
				Key:          aws.String(u.Key),
				Body:         bytes.NewReader(body),
				ContentType:  aws.String(u.ContentType),
				CacheControl: aws.String(u.CacheControl),
				// An explicit algorithm keeps the ETag an MD5 of the content,
				// which the next sync compares against.
				ServerSideEncryption: s3types.ServerSideEncryptionAes256,
			})
			if err != nil {
				return fmt.Errorf("uploading s3://%s/%s: %w", bucket, u.Key, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// invalidate creates a CloudFront invalidation and waits until it is done.
func invalidate(ctx context.Context, client *cloudfront.Client, distributionID string, paths []string) (string, error) {
	out, err := client.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{
		DistributionId: &distributionID,
		InvalidationBatch: &cftypes.InvalidationBatch{
			CallerReference: aws.String(fmt.Sprintf("eventmall-%d", time.Now().UnixNano())),
			Paths:           &cftypes.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths},
		},
	})
	if err != nil {
		return "", fmt.Errorf("cloudfront:CreateInvalidation on %s: %w", distributionID, err)
	}
	id := aws.ToString(out.Invalidation.Id)
	// Poll rather than use the SDK's waiter: it matches "Completed" exactly,
	// and emulators spell it differently ("COMPLETED").
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	for delay := 2 * time.Second; ; delay = min(2*delay, 20*time.Second) {
		got, err := client.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: &distributionID, Id: &id})
		if err != nil {
			return id, fmt.Errorf("waiting for invalidation %s: %w", id, err)
		}
		if strings.EqualFold(aws.ToString(got.Invalidation.Status), "Completed") {
			break
		}
		select {
		case <-ctx.Done():
			return id, fmt.Errorf("invalidation %s not completed after 15 min", id)
		case <-time.After(delay):
		}
	}
	return id, nil
}
