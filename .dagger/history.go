package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"

	"dagger/eventmall/history"
)

// History lists the environment's deploys and rollbacks, newest first: id,
// outcome, source revision, duration, image digest, and who ran it. The
// records live next to the Terraform state, under <environment>/history/.
// +cache="never"
func (e *Environment) History(
	ctx context.Context,
	// At most this many records (0: all).
	// +optional
	// +default=20
	limit int,
	// Print the records as JSON instead of a table.
	// +optional
	asJson bool,
) (string, error) {
	stateBucket, environment := e.StateBucket, e.Name
	rs, err := e.Aws.records(ctx, stateBucket, environment)
	if err != nil {
		return "", err
	}
	if asJson {
		rs = history.Newest(rs)
		if limit > 0 && len(rs) > limit {
			rs = rs[:limit]
		}
		return encodeJSON(rs)
	}
	if len(rs) == 0 {
		return fmt.Sprintf("no deploys recorded for %s in s3://%s/%s\n", environment, stateBucket, history.Prefix(environment)), nil
	}
	return history.Table(rs, limit), nil
}

func encodeJSON(v any) (string, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return string(b) + "\n", err
}

func (a *Aws) s3Client(ctx context.Context) (*s3.Client, error) {
	cfg, err := a.config(ctx)
	if err != nil {
		return nil, err
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = a.EndpointURL != "" }), nil
}

// records reads every history record of an environment.
func (a *Aws) records(ctx context.Context, bucket, environment string) ([]history.Record, error) {
	client, err := a.s3Client(ctx)
	if err != nil {
		return nil, err
	}
	prefix := history.Prefix(environment)
	var keys []string
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			if strings.HasSuffix(aws.ToString(o.Key), ".json") {
				keys = append(keys, aws.ToString(o.Key))
			}
		}
	}
	out := make([]history.Record, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, key := range keys {
		g.Go(func() error {
			b, err := getObject(gctx, client, bucket, key)
			if err != nil {
				return err
			}
			out[i], err = history.Decode(key, b)
			return err
		})
	}
	return out, g.Wait()
}

func getObject(ctx context.Context, client *s3.Client, bucket, key string) ([]byte, error) {
	o, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	defer o.Body.Close()
	return io.ReadAll(o.Body)
}

// getJSON reads a JSON object; found is false when there is none.
func (a *Aws) getJSON(ctx context.Context, bucket, key string, v any) (found bool, err error) {
	client, err := a.s3Client(ctx)
	if err != nil {
		return false, err
	}
	b, err := getObject(ctx, client, bucket, key)
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nsk) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
	}
	return true, nil
}

func (a *Aws) putJSON(ctx context.Context, bucket, key string, body []byte) error {
	client, err := a.s3Client(ctx)
	if err != nil {
		return err
	}
	_, err = client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &bucket, Key: &key, Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"), ServerSideEncryption: s3types.ServerSideEncryptionAes256,
	})
	if err != nil {
		return fmt.Errorf("writing s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// callerIdentity is who the credentials are (the CI's OIDC role session);
// empty when STS does not answer.
func (a *Aws) callerIdentity(ctx context.Context) string {
	cfg, err := a.config(ctx)
	if err != nil {
		return ""
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		progress("! history: no caller identity from STS: %v", err)
		return ""
	}
	return aws.ToString(out.Arn)
}

// indexVersion returns the current version and ETag of the site's index.html.
func (a *Aws) indexVersion(ctx context.Context, bucket string) (version, etag string, err error) {
	client, err := a.s3Client(ctx)
	if err != nil {
		return "", "", err
	}
	h, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("index.html")})
	if err != nil {
		return "", "", fmt.Errorf("reading the version of s3://%s/index.html: %w", bucket, err)
	}
	return aws.ToString(h.VersionId), strings.Trim(aws.ToString(h.ETag), `"`), nil
}

// sourceRevision is the short content digest of the source.
func (m *Eventmall) sourceRevision(ctx context.Context) string {
	revision, _ := m.Source.Digest(ctx)
	revision = strings.TrimPrefix(revision, "sha256:")
	if len(revision) > 12 {
		revision = revision[:12]
	}
	return revision
}
