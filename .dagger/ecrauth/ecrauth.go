// Package ecrauth turns an ECR authorization token into registry
// credentials (ECR hands out base64("AWS:<password>"), valid for 12 hours)
// and names what is pushed: the content tag and the digest-pinned reference.
package ecrauth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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

// ImageConfig is the part of an image's configuration that changes how a
// task runs it (the rest of what makes an image is its file system).
type ImageConfig struct {
	Env        []string // NAME=value, in the image's order
	Entrypoint []string
	Cmd        []string
	User       string
	Workdir    string
	Ports      []string // e.g. 8080/TCP
}

// ContentTag names an image by what it holds: the digest of its file
// system and its configuration. The same image always gets the same tag
// (an unchanged deploy finds it and pushes nothing); any other image gets
// another one. A tag derived from the source instead would name a rebuild
// on a patched base image like the old one, so the patch would never be
// pushed, and would return whatever an earlier push left under it.
func ContentTag(rootfsDigest string, c ImageConfig) (string, error) {
	if !strings.HasPrefix(rootfsDigest, "sha256:") || len(rootfsDigest) != len("sha256:")+64 {
		return "", fmt.Errorf("file system digest %q is not a sha256 digest", rootfsDigest)
	}
	h := sha256.New()
	// Length-prefixed fields: no two configurations hash the same text.
	field := func(name string, values ...string) {
		fmt.Fprintf(h, "%s %d\n", name, len(values))
		for _, v := range values {
			fmt.Fprintf(h, "%d:%s\n", len(v), v)
		}
	}
	field("rootfs", rootfsDigest)
	field("env", c.Env...)
	field("entrypoint", c.Entrypoint...)
	field("cmd", c.Cmd...)
	field("user", c.User)
	field("workdir", c.Workdir)
	field("ports", c.Ports...)
	return "img-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}
