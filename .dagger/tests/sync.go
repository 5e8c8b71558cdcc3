package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"dagger/tests/internal/dagger"
)

const (
	syncBucket = "eventmall-tests-site"
	syncRegion = "us-east-1"
	// A hashed asset (immutable caching) and the page naming it.
	syncAsset = "assets/index-3f9a1b2c.js"
)

// SyncFrontend syncs a small site three times to an empty emulator (moto,
// from the module) and reads each sync report field by field: the first
// uploads everything and invalidates nothing (nothing was cached); the
// second, of the same site, uploads nothing; the third, with index.html
// changed and a stale page in the bucket, uploads one file, invalidates the
// page's paths and the stale one, waits for it, and prunes the stale page.
// The objects carry the headers CloudFront caches by.
// +cache="never"
func (t *Tests) SyncFrontend(ctx context.Context) error {
	emulator, err := dag.Eventmall().AwsEmulator().Start(ctx)
	if err != nil {
		return err
	}
	defer emulator.Stop(context.WithoutCancel(ctx))
	url, err := emulator.Endpoint(ctx, dagger.ServiceEndpointOpts{Port: 5000, Scheme: "http"})
	if err != nil {
		return err
	}
	cfg := aws.Config{Region: syncRegion, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAEVENTMALLTESTS", "eventmall-tests-secret", "")}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(syncBucket)}); err != nil {
		return fmt.Errorf("creating the test bucket: %w", err)
	}
	distribution, err := createDistribution(ctx, cloudfront.NewFromConfig(cfg))
	if err != nil {
		return err
	}

	target := dag.Eventmall().Aws(
		dag.SetSecret("eventmall-tests-aws-access-key-id", "AKIAEVENTMALLTESTS"),
		dag.SetSecret("eventmall-tests-aws-secret-access-key", "eventmall-tests-secret"),
		dagger.EventmallAwsOpts{Region: syncRegion, EndpointURL: url})
	site := dag.Directory().
		WithNewFile("index.html", `<html><script src="/`+syncAsset+`"></script></html>`).
		WithNewFile(syncAsset, "console.log('drop')")
	// Each sync differs in an argument, so no two are the same call.
	sync := func(site *dagger.Directory, grace string) *dagger.EventmallSyncReport {
		return target.SyncFrontend(syncBucket, dagger.EventmallAwsSyncFrontendOpts{
			DistributionID: distribution, Site: site, AssetGrace: grace})
	}

	var errs []error
	first, err := readSync(ctx, sync(site, "24h"))
	if err != nil {
		return fmt.Errorf("first sync: %w", err)
	}
	errs = append(errs, first.want("first sync", 2, 0, 0, nil)...)

	second, err := readSync(ctx, sync(site, "25h"))
	if err != nil {
		return fmt.Errorf("second sync: %w", err)
	}
	errs = append(errs, second.want("second sync (same site)", 0, 2, 0, nil)...)

	for _, want := range []struct{ key, cacheControl, contentType string }{
		{"index.html", "no-cache", "text/html"},
		{syncAsset, "public, max-age=31536000, immutable", "text/javascript"},
	} {
		head, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(syncBucket), Key: aws.String(want.key)})
		if err != nil {
			return err
		}
		if got := aws.ToString(head.CacheControl); got != want.cacheControl {
			errs = append(errs, fmt.Errorf("%s: Cache-Control %q, want %q", want.key, got, want.cacheControl))
		}
		if got := aws.ToString(head.ContentType); !strings.HasPrefix(got, want.contentType) {
			errs = append(errs, fmt.Errorf("%s: Content-Type %q, want %s", want.key, got, want.contentType))
		}
	}

	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(syncBucket), Key: aws.String("old-page.html"),
		Body: strings.NewReader("old")}); err != nil {
		return err
	}
	changed := site.WithNewFile("index.html", `<html><script src="/`+syncAsset+`"></script><!-- changed --></html>`)
	third, err := readSync(ctx, sync(changed, "26h"))
	if err != nil {
		return fmt.Errorf("third sync: %w", err)
	}
	errs = append(errs, third.want("third sync (index.html changed, a stale page)", 1, 1, 1,
		[]string{"/", "/index.html", "/old-page.html"})...)
	if third.invalidationID != "" {
		got, err := cloudfront.NewFromConfig(cfg).GetInvalidation(ctx, &cloudfront.GetInvalidationInput{
			DistributionId: aws.String(distribution), Id: aws.String(third.invalidationID)})
		if err != nil {
			errs = append(errs, fmt.Errorf("third sync: invalidation %s: %w", third.invalidationID, err))
		} else if s := aws.ToString(got.Invalidation.Status); !strings.EqualFold(s, "completed") {
			errs = append(errs, fmt.Errorf("third sync returned before invalidation %s completed (%s)", third.invalidationID, s))
		}
	}
	// Pruned means gone from the bucket, not only counted.
	if _, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(syncBucket), Key: aws.String("old-page.html")}); err == nil {
		errs = append(errs, fmt.Errorf("third sync: old-page.html is still in the bucket"))
	}
	return errors.Join(errs...)
}

// syncReport is a sync report's fields, read one by one through the API.
type syncReport struct {
	uploaded, unchanged, pruned int
	invalidationID              string
	invalidated                 []string
}

// readSync reads the report's fields; sync-frontend runs once per session,
// so every read sees the same sync.
func readSync(ctx context.Context, r *dagger.EventmallSyncReport) (*syncReport, error) {
	var s syncReport
	var err error
	if s.uploaded, err = r.Uploaded(ctx); err != nil {
		return nil, err
	}
	if s.unchanged, err = r.Unchanged(ctx); err != nil {
		return nil, err
	}
	if s.pruned, err = r.Pruned(ctx); err != nil {
		return nil, err
	}
	if s.invalidationID, err = r.InvalidationID(ctx); err != nil {
		return nil, err
	}
	if s.invalidated, err = r.InvalidatedPaths(ctx); err != nil {
		return nil, err
	}
	return &s, nil
}

// want compares the report with the expected counts and invalidated paths
// (nil: no invalidation).
func (s *syncReport) want(what string, uploaded, unchanged, pruned int, invalidated []string) []error {
	var errs []error
	if s.uploaded != uploaded || s.unchanged != unchanged || s.pruned != pruned {
		errs = append(errs, fmt.Errorf("%s: uploaded %d, unchanged %d, pruned %d; want %d, %d, %d",
			what, s.uploaded, s.unchanged, s.pruned, uploaded, unchanged, pruned))
	}
	got := slices.Sorted(slices.Values(s.invalidated))
	switch {
	case invalidated == nil && s.invalidationID != "":
		errs = append(errs, fmt.Errorf("%s: invalidation %s of %v, want none", what, s.invalidationID, got))
	case invalidated != nil && (s.invalidationID == "" || !slices.Equal(got, invalidated)):
		errs = append(errs, fmt.Errorf("%s: invalidation %q of %v, want one of %v", what, s.invalidationID, got, invalidated))
	}
	return errs
}

// createDistribution creates the CloudFront distribution the syncs
// invalidate, in front of the test bucket.
func createDistribution(ctx context.Context, cf *cloudfront.Client) (string, error) {
	out, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
		CallerReference:   aws.String("eventmall-tests"),
		Comment:           aws.String("eventmall-tests"),
		Enabled:           aws.Bool(true),
		DefaultRootObject: aws.String("index.html"),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{
			Id: aws.String("site"), DomainName: aws.String(syncBucket + ".s3.amazonaws.com"),
			S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")},
		}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
			TargetOriginId: aws.String("site"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			MinTTL:          aws.Int64(0),
			ForwardedValues: &cftypes.ForwardedValues{QueryString: aws.Bool(false), Cookies: &cftypes.CookiePreference{Forward: cftypes.ItemSelectionNone}},
			TrustedSigners:  &cftypes.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
		},
	}})
	if err != nil {
		return "", fmt.Errorf("creating the test distribution: %w", err)
	}
	return aws.ToString(out.Distribution.Id), nil
}
