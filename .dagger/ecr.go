package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr"

	"dagger/eventmall/ecrauth"
	"dagger/eventmall/internal/dagger"
)

// PublishBackend pushes the API image to an ECR repository and returns its
// digest-pinned reference (repository@sha256:…), the value the service
// stack deploys. Credentials come from ecr:GetAuthorizationToken. The
// repository's tags are immutable: when the tag (derived from the
// backend's content) is already there, nothing is pushed and the existing
// image's reference is returned, so an unchanged deploy passes.
// +cache="never"
func (a *Aws) PublishBackend(
	ctx context.Context,
	// Repository URL: the data stack output repository_url (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME).
	repositoryUrl string,
	// Image to push; defaults to the backend image built from the repository.
	// +optional
	image *dagger.Container,
	// Tag to push besides the digest; defaults to one derived from the backend's content.
	// +optional
	tag string,
) (string, error) {
	ref, _, err := a.publishBackend(ctx, repositoryUrl, image, tag)
	return ref, err
}

// publishBackend is PublishBackend; pushed is false when the tag already
// existed and nothing was pushed.
func (a *Aws) publishBackend(ctx context.Context, repositoryUrl string, image *dagger.Container, tag string) (ref string, pushed bool, err error) {
	if image == nil {
		image = (&Eventmall{Source: a.Source}).BackendImage()
	}
	if tag == "" {
		digest, err := a.Source.Directory("backend").Digest(ctx)
		if err != nil {
			return "", false, err
		}
		tag = "src-" + strings.TrimPrefix(digest, "sha256:")[:12]
	}
	host, err := ecrauth.RegistryHost(repositoryUrl)
	if err != nil {
		return "", false, err
	}
	cfg, err := a.config(ctx)
	if err != nil {
		return "", false, err
	}
	out, err := ecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return "", false, fmt.Errorf("ecr:GetAuthorizationToken: %w", err)
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return "", false, fmt.Errorf("ecr:GetAuthorizationToken returned no token")
	}
	creds, err := ecrauth.Decode(*out.AuthorizationData[0].AuthorizationToken)
	if err != nil {
		return "", false, err
	}
	password := dag.SetSecret("ecr-password", creds.Password)
	if existing, ok := existingImage(ctx, host, creds.Username, password, repositoryUrl+":"+tag); ok {
		ref, err := ecrauth.DigestRef(repositoryUrl, existing)
		return ref, false, err
	}
	published, err := image.
		WithRegistryAuth(host, creds.Username, password).
		Publish(ctx, repositoryUrl+":"+tag)
	if err != nil {
		return "", false, fmt.Errorf("pushing %s:%s: %w", repositoryUrl, tag, err)
	}
	ref, err = ecrauth.DigestRef(repositoryUrl, published)
	return ref, true, err
}

// existingImage resolves ref (repository:tag) in the registry and returns
// it pinned by digest (ref@sha256:…) when the tag exists. Any failure to
// resolve counts as absent: the push that follows then either succeeds or
// fails with the registry's own error.
func existingImage(ctx context.Context, host, user string, password *dagger.Secret, ref string) (string, bool) {
	pinned, err := dag.Container().WithRegistryAuth(host, user, password).From(ref).ImageRef(ctx)
	if err != nil || !strings.Contains(pinned, "@sha256:") {
		return "", false
	}
	return pinned, true
}
