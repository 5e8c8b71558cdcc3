package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"dagger/eventmall/internal/dagger"
)

// Aws is an AWS account the pipeline deploys to: credentials (as secrets,
// end to end), a region and, for rehearsals, an emulator's endpoint.
type Aws struct {
	// The module this account deploys (its source).
	// +private
	Module *Eventmall
	// +private
	AccessKeyID *dagger.Secret
	// +private
	SecretAccessKey *dagger.Secret
	// +private
	SessionToken *dagger.Secret
	// AWS region, e.g. eu-west-1.
	Region string
	// Endpoint of every AWS API, set only for an emulator.
	EndpointURL string
	// Schema version of the offline AWS provider the stacks run against; empty: the registry's provider.
	OfflineProvider string
	// +private
	OfflineValues *dagger.File
}

// Aws returns an AWS account to deploy to: its environments (`environment`,
// which deploy, plan, drift, preflight, history, rollback and each stack act
// on) and the stages that need only the account, e.g.
// `aws --access-key-id=env://AWS_ACCESS_KEY_ID --secret-access-key=env://AWS_SECRET_ACCESS_KEY publish-backend --repository-url=…`.
func (m *Eventmall) Aws(
	// AWS access key id (short-lived credentials from OIDC preferred).
	accessKeyId *dagger.Secret,
	// AWS secret access key.
	secretAccessKey *dagger.Secret,
	// AWS session token, for temporary credentials.
	// +optional
	sessionToken *dagger.Secret,
	// AWS region.
	// +optional
	// +default="us-east-1"
	region string,
	// Endpoint URL for every AWS API; only for an emulator such as moto.
	// +optional
	endpointUrl string,
) *Aws {
	return &Aws{
		Module:          m,
		AccessKeyID:     accessKeyId,
		SecretAccessKey: secretAccessKey,
		SessionToken:    sessionToken,
		Region:          region,
		EndpointURL:     endpointUrl,
	}
}

// config builds an aws-sdk-go-v2 configuration from the secrets. The
// plaintext stays in this process's memory; it is never printed.
func (a *Aws) config(ctx context.Context) (aws.Config, error) {
	id, err := a.AccessKeyID.Plaintext(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("reading the AWS access key id: %w", err)
	}
	key, err := a.SecretAccessKey.Plaintext(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("reading the AWS secret access key: %w", err)
	}
	var token string
	if a.SessionToken != nil {
		if token, err = a.SessionToken.Plaintext(ctx); err != nil {
			return aws.Config{}, fmt.Errorf("reading the AWS session token: %w", err)
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(a.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, key, token)),
	)
	if err != nil {
		return aws.Config{}, err
	}
	if a.EndpointURL != "" {
		cfg.BaseEndpoint = aws.String(a.EndpointURL)
	}
	return cfg, nil
}

// withCredentials hands the credentials to a container as secret
// environment variables, which Dagger keeps out of logs and layers.
func (a *Aws) withCredentials(c *dagger.Container) *dagger.Container {
	c = c.
		WithSecretVariable("AWS_ACCESS_KEY_ID", a.AccessKeyID).
		WithSecretVariable("AWS_SECRET_ACCESS_KEY", a.SecretAccessKey).
		WithEnvVariable("AWS_REGION", a.Region).
		WithEnvVariable("AWS_DEFAULT_REGION", a.Region)
	if a.SessionToken != nil {
		c = c.WithSecretVariable("AWS_SESSION_TOKEN", a.SessionToken)
	}
	return c
}
