// Package ecrauth turns an ECR authorization token into registry
// credentials. ECR hands out base64("AWS:<password>"), valid for 12 hours.
package ecrauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Credentials for `docker login`-style registry auth.
type Credentials struct {
	Username string
	Password string
}

// Decode reads an authorizationToken from ecr:GetAuthorizationToken.
func Decode(token string) (Credentials, error) {
	if token == "" {
		return Credentials{}, errors.New("ECR returned an empty authorization token")
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return Credentials{}, fmt.Errorf("ECR authorization token is not base64: %w", err)
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || pass == "" {
		return Credentials{}, errors.New("ECR authorization token is not of the form user:password")
	}
	return Credentials{Username: user, Password: pass}, nil
}

// RegistryHost returns the registry part of a repository URL such as
// ACCOUNT.dkr.ecr.REGION.amazonaws.com/eventmall-backend.
func RegistryHost(repositoryURL string) (string, error) {
	u := strings.TrimPrefix(strings.TrimPrefix(repositoryURL, "https://"), "http://")
	host, repo, ok := strings.Cut(u, "/")
	if !ok || host == "" || repo == "" || strings.ContainsAny(repo, ":@ ") {
		return "", fmt.Errorf("repository URL %q is not of the form host/name", repositoryURL)
	}
	return host, nil
}

// DigestRef pins a repository to a digest: host/name@sha256:….
// published is what a registry push returns, e.g. host/name:tag@sha256:….
func DigestRef(repositoryURL, published string) (string, error) {
	_, digest, ok := strings.Cut(published, "@")
	if !ok || !strings.HasPrefix(digest, "sha256:") || len(digest) != len("sha256:")+64 {
		return "", fmt.Errorf("published reference %q carries no sha256 digest", published)
	}
	return strings.TrimSuffix(repositoryURL, "/") + "@" + digest, nil
}
