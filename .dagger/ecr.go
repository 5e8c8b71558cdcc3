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
// stack deploys. Credentials come from ecr:GetAuthorizationToken.
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
	if image == nil {
		image = (&Eventmall{Source: a.Source}).BackendImage()
	}
	if tag == "" {
		digest, err := a.Source.Directory("backend").Digest(ctx)
		if err != nil {
			return "", err
		}
		tag = "src-" + strings.TrimPrefix(digest, "sha256:")[:12]
	}
	host, err := ecrauth.RegistryHost(repositoryUrl)
	if err != nil {
		return "", err
	}
	cfg, err := a.config(ctx)
	if err != nil {
		return "", err
	}
	out, err := ecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return "", fmt.Errorf("ecr:GetAuthorizationToken: %w", err)
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return "", fmt.Errorf("ecr:GetAuthorizationToken returned no token")
	}
	creds, err := ecrauth.Decode(*out.AuthorizationData[0].AuthorizationToken)
	if err != nil {
		return "", err
	}
	password := dag.SetSecret("ecr-password", creds.Password)
	published, err := image.
		WithRegistryAuth(host, creds.Username, password).
		Publish(ctx, repositoryUrl+":"+tag)
	if err != nil {
		return "", fmt.Errorf("pushing %s:%s: %w", repositoryUrl, tag, err)
	}
	return ecrauth.DigestRef(repositoryUrl, published)
}
