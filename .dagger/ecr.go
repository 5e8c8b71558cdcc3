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
// repository's tags are immutable: when the tag (derived from the image's
// own content: file system and configuration) is already there, nothing is
// pushed and the existing image's reference is returned, so an unchanged
// deploy passes.
// +cache="never"
func (a *Aws) PublishBackend(
	ctx context.Context,
	// Repository URL: the data stack output repository_url (ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME).
	repositoryUrl string,
	// Image to push; defaults to the backend image built from the repository.
	// +optional
	image *dagger.Container,
	// Tag to push besides the digest; defaults to img-… derived from the image's file system and configuration.
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
		image = a.Module.BackendImage()
	}
	if tag == "" {
		if tag, err = contentTag(ctx, image); err != nil {
			return "", false, fmt.Errorf("naming the image by its content: %w", err)
		}
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

// contentTag is ecrauth.ContentTag of image: the digest of its file system
// and the configuration a task runs it with.
func contentTag(ctx context.Context, image *dagger.Container) (string, error) {
	fs, err := image.Rootfs().Digest(ctx)
	if err != nil {
		return "", err
	}
	var c ecrauth.ImageConfig
	vars, err := image.EnvVariables(ctx)
	if err != nil {
		return "", err
	}
	for _, v := range vars {
		name, err := v.Name(ctx)
		if err != nil {
			return "", err
		}
		value, err := v.Value(ctx)
		if err != nil {
			return "", err
		}
		c.Env = append(c.Env, name+"="+value)
	}
	if c.Entrypoint, err = image.Entrypoint(ctx); err != nil {
		return "", err
	}
	if c.Cmd, err = image.DefaultArgs(ctx); err != nil {
		return "", err
	}
	if c.User, err = image.User(ctx); err != nil {
		return "", err
	}
	if c.Workdir, err = image.Workdir(ctx); err != nil {
		return "", err
	}
	ports, err := image.ExposedPorts(ctx)
	if err != nil {
		return "", err
	}
	for _, p := range ports {
		n, err := p.Port(ctx)
		if err != nil {
			return "", err
		}
		proto, err := p.Protocol(ctx)
		if err != nil {
			return "", err
		}
		c.Ports = append(c.Ports, fmt.Sprintf("%d/%s", n, proto))
	}
	return ecrauth.ContentTag(fs, c)
}
