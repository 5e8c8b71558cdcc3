package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"dagger/eventmall/catalogue"
	"dagger/eventmall/dbrelease"
	"dagger/eventmall/history"
	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/sourceset"
	"dagger/eventmall/stackio"
)

// codeExclude is what the code digest leaves out: the catalogue, and the
// constructor's ignore list again (New filters every source with it).
var codeExclude = append([]string{catalogue.Dir}, sourceset.Ignore...)

// codeDigest is a digest of the source without backend/catalog: every
// file's path and bytes (not its time stamps), sorted.
func (m *Eventmall) codeDigest(ctx context.Context) (string, error) {
	code := dag.Directory().WithDirectory(".", m.Source, dagger.DirectoryWithDirectoryOpts{Exclude: codeExclude})
	out, err := dag.Container().From(nodeImage).
		WithMountedDirectory("/src", code).
		WithWorkdir("/src").
		WithExec([]string{"sh", "-c", "find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1"}).
		Stdout(ctx)
	if err != nil {
		return "", execErr("the code digest (sha256 of the source without "+catalogue.Dir+")", err)
	}
	return strings.TrimSpace(out), nil
}

// catalogueObject is backend/catalog/*.json as the object publish-catalogue writes.
func (m *Eventmall) catalogueObject(ctx context.Context) (catalogue.Object, error) {
	dir := m.backendDir().Directory("catalog")
	names, err := dir.Entries(ctx)
	if err != nil {
		return catalogue.Object{}, fmt.Errorf("reading %s: %w", catalogue.Dir, err)
	}
	files := map[string][]byte{}
	for _, n := range names {
		if path.Ext(n) != ".json" {
			continue
		}
		b, err := dir.File(n).Contents(ctx)
		if err != nil {
			return catalogue.Object{}, err
		}
		files[n] = []byte(b)
	}
	return catalogue.NewObject(files)
}

// changesStage compares this source with the last successful deploy's
// record (code digest, catalogue digest) and chooses the deploy's mode.
// It reads the history and the source only.
func (d *deployment) changesStage(ctx context.Context) (string, error) {
	code, err := d.m.codeDigest(ctx)
	if err != nil {
		return "", err
	}
	obj, err := d.m.catalogueObject(ctx)
	if err != nil {
		return "", err
	}
	last, ok, err := d.rel.lastGood(ctx)
	if err != nil {
		return "", err
	}
	dec := catalogue.Decide(catalogue.Inputs{Last: last, HasLast: ok, Code: code, Catalogue: obj.Digest, FullPlan: d.rel.fullPlan})
	d.fast, d.object, d.kept = dec, obj, last
	d.rel.set(func(rec *history.Record) {
		rec.CodeDigest, rec.CatalogueDigest, rec.Mode = code, obj.Digest, dec.Mode.String()
		if dec.Mode == catalogue.CatalogueOnly {
			// What keeps running: the last deploy's image and site.
			rec.Image, rec.Site = last.Image, last.Site
		}
	})
	return dec.Reason, nil
}

// catalogueRelease replaces db-release in a catalogue-only deploy: the
// catalogue published as validated data, content-addressed, then loaded by
// the running image's loader as a one-off task (the migrator's
// configuration, as db-release runs).
func (d *deployment) catalogueRelease(ctx context.Context, svc, data stackio.Outputs) error {
	if err := d.run.Stage(ctx, "db-release", func(context.Context) (string, error) { return d.fast.Skip("db-release"), nil }); err != nil {
		return err
	}
	uri := ""
	if err := d.run.Stage(ctx, "publish-catalogue", func(ctx context.Context) (string, error) {
		// The decision was taken before the deploy lock: the running release
		// must still be the one it keeps.
		rs, err := d.aws.records(ctx, d.stateBucket, d.environment)
		if err != nil {
			return "", err
		}
		if now, ok := history.LastGood(rs); !ok || now.ID != d.fast.Since {
			return "", fmt.Errorf("the running release is no longer deploy %s (now %q): another deploy or rollback finished after the changes stage chose the catalogue's fast path; deploy again", d.fast.Since, now.ID)
		}
		key := d.object.Key(d.environment)
		uri = "s3://" + d.stateBucket + "/" + key
		detail, err := d.aws.putCatalogue(ctx, d.stateBucket, key, d.object.Bytes)
		if err == nil {
			d.rel.set(func(rec *history.Record) { rec.CatalogueObject = uri })
		}
		return detail, err
	}); err != nil {
		return err
	}
	return d.run.Stage(ctx, "load-catalogue", func(ctx context.Context) (string, error) {
		secrets := dbrelease.Secrets{
			MasterSecretArn: str(data, "database_master_secret_arn"), AppSecretArn: str(data, "database_secret_arn"),
			AppUsername: str(data, "database_app_username"), SessionKeysSecretArn: str(svc, "session_keys_secret_arn"),
		}
		env := map[string]string{dbrelease.CatalogueObjectVar: uri}
		if !d.rehearsal {
			detail, err := d.aws.runReleaseTask(ctx, str(svc, "cluster_name"), str(svc, "service_name"), "", secrets,
				str(svc, "migrator_role_arn"), 15*time.Minute, dbrelease.CatalogueLoadCommand, env, "-catalogue")
			return detail, err
		}
		td, err := d.aws.stateTaskDefinition(ctx, d.stateBucket, stateKey(d.environment, "service"))
		if err != nil {
			return "", err
		}
		c, err := containerOf(td, "") // the running image
		if err != nil {
			return "", err
		}
		tier, err := d.tier.get(ctx, d.aws, data)
		if err != nil {
			return "", err
		}
		mig, err := dbrelease.Migrator(c, secrets)
		if err != nil {
			return "", err
		}
		ctr, err := d.aws.taskContainer(ctx, mig, tier)
		if err != nil {
			return "", err
		}
		ctr = ctr.WithEnvVariable(dbrelease.CatalogueObjectVar, uri).
			WithEnvVariable("AWS_ENDPOINT_URL_S3", d.aws.EndpointURL).
			WithEnvVariable("CACHE_BUSTER", cacheBuster()).
			WithExec(dbrelease.CatalogueLoadCommand)
		out, err := ctr.Stdout(ctx)
		if err != nil {
			return "", execErr(strings.Join(dbrelease.CatalogueLoadCommand, " ")+" (in the running image, as the migrator)", err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		lastLine := lines[len(lines)-1]
		// An image whose loader ignored CATALOG_OBJECT would load its own
		// catalogue: the summary must name the object's digest.
		if !strings.Contains(lastLine, d.object.Digest) {
			return "", fmt.Errorf("load-catalogue: the loader's summary does not name %s (an image that ignores %s?): %s", d.object.Digest, dbrelease.CatalogueObjectVar, summarizeRelease(lastLine))
		}
		var sum struct {
			Events, Drops, ProductsInserted, ProductsUpdated, Deactivated int
			SkippedEvents                                                 []string
		}
		_ = json.Unmarshal([]byte(lastLine), &sum)
		return fmt.Sprintf("in the running image %s, as the migrator: object sha256 %s loaded (%d events, %d drops; products %d updated, %d inserted, %d deactivated; unchanged events skipped: %v)",
			c.Image, short(d.object.Digest), sum.Events, sum.Drops, sum.ProductsUpdated, sum.ProductsInserted, sum.Deactivated, sum.SkippedEvents), nil
	})
}

// putCatalogue writes the object unless it is there already (its name is
// its digest: the same name holds the same bytes).
func (a *Aws) putCatalogue(ctx context.Context, bucket, key string, body []byte) (string, error) {
	client, err := a.s3Client(ctx)
	if err != nil {
		return "", err
	}
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String(key)})
	if err == nil {
		return fmt.Sprintf("s3://%s/%s (already published: %d bytes)", bucket, key, len(body)), nil
	}
	var nf *s3types.NotFound
	if !errors.As(err, &nf) {
		return "", fmt.Errorf("reading s3://%s/%s: %w", bucket, key, err)
	}
	if err := a.putJSON(ctx, bucket, key, body); err != nil {
		return "", err
	}
	return fmt.Sprintf("s3://%s/%s (%d bytes)", bucket, key, len(body)), nil
}

func short(digest string) string {
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}
