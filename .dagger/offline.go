package main

import (
	"fmt"
	"path"
	"strings"

	"dagger/eventmall/internal/dagger"
)

// The offline AWS provider (terraform/offline-provider): a stand-in for
// hashicorp/aws serving its published schema as a dry run, for rehearsals and
// tests where the real provider cannot be downloaded. Installed only when a
// stage asks for it, through a CLI provider_installation filesystem mirror
// under the real source addresses; every report names it.

// offlineRandomVersion is the hashicorp/random version the same binary stands in for.
const offlineRandomVersion = "3.7.2"

// offlineMirror is where the mirror and its CLI configuration sit in the terraform container.
const offlineMirror = "/eventmall/offline-provider"

// offlineLabel is how reports name the provider a stack ran against.
func offlineLabel(version string) string {
	return "offline provider (schema of hashicorp/aws " + version + ")"
}

// WithOfflineProvider makes every Terraform stack of this target run against
// the offline AWS provider instead of the registry's: for rehearsals against
// an emulator only. Nothing reaches AWS through it.
func (a *Aws) WithOfflineProvider(
	// Schema version of hashicorp/aws it serves: 5.82.0 or 6.47.0.
	version string,
	// JSON file of values that must agree with the emulator (account id, ids of resources it holds); see terraform/offline-provider/values.go.
	// +optional
	values *dagger.File,
) *Aws {
	c := *a
	c.OfflineProvider = version
	c.OfflineValues = values
	return &c
}

// offlineProviderMirror builds the provider from the source (a golang
// container; cached by Dagger while the source is unchanged) and lays out the
// filesystem mirror for version.
func offlineProviderMirror(src *dagger.Directory, version string) *dagger.Directory {
	code := dag.Directory().
		WithFile("go.mod", src.File("go.mod")).
		WithFile("go.sum", src.File("go.sum")).
		WithDirectory("terraform/offline-provider", src.Directory("terraform/offline-provider"))
	bin := dag.Container().
		From(golangImage).
		WithMountedCache("/go/pkg/mod", dag.CacheVolume("eventmall-go-mod")).
		WithMountedCache("/root/.cache/go-build", dag.CacheVolume("eventmall-go-build")).
		WithEnvVariable("CGO_ENABLED", "0").
		WithEnvVariable("GOFLAGS", "-buildvcs=false -mod=readonly").
		WithEnvVariable("GOTOOLCHAIN", "local").
		WithDirectory("/src", code).
		WithWorkdir("/src").
		// The Go module proxy sometimes refuses a version it serves: retry.
		WithExec([]string{"sh", "-c", `for i in 1 2 3 4; do go build -trimpath -ldflags="-s -w" -o /out/provider ./terraform/offline-provider && exit 0; sleep $((i * 3)); done; exit 1`}).
		WithExec([]string{"/out/provider", "-describe"}).
		File("/out/provider")
	perm := dagger.DirectoryWithFileOpts{Permissions: 0o755}
	dir := dag.Directory()
	for _, host := range offlineRegistries {
		dir = dir.
			WithFile(path.Join(host, "hashicorp/aws", version, "linux_amd64", "terraform-provider-aws_v"+version), bin, perm).
			WithFile(path.Join(host, "hashicorp/random", offlineRandomVersion, "linux_amd64", "terraform-provider-random_v"+offlineRandomVersion), bin, perm)
	}
	return dir
}

// offlineRegistries: "hashicorp/aws" means registry.terraform.io/hashicorp/aws
// to Terraform and registry.opentofu.org/hashicorp/aws to OpenTofu, the
// pinned engine; the mirror serves both addresses (as install.sh does).
var offlineRegistries = []string{"registry.terraform.io", "registry.opentofu.org"}

// offlineProviders are the mirror's source addresses, quoted for HCL.
func offlineProviders() string {
	var addrs []string
	for _, host := range offlineRegistries {
		addrs = append(addrs, fmt.Sprintf("%q, %q", host+"/hashicorp/aws", host+"/hashicorp/random"))
	}
	return strings.Join(addrs, ", ")
}

// withOfflineProvider installs the offline provider of this target, if it
// has one, into a terraform container.
func (a *Aws) withOfflineProvider(c *dagger.Container) *dagger.Container {
	if a.OfflineProvider == "" {
		return c
	}
	return withOfflineProvider(c, a.Module.Source, a.OfflineProvider, a.OfflineValues)
}

// withOfflineProvider installs the offline provider serving the schema of
// hashicorp/aws version, built from src, into a terraform container; values
// (optional) are the ones it must agree on with an emulator.
func withOfflineProvider(c *dagger.Container, src *dagger.Directory, version string, values *dagger.File) *dagger.Container {
	rc := fmt.Sprintf(`# %s: rehearsals and tests only.
provider_installation {
  filesystem_mirror {
    path    = "%s/mirror"
    include = [%s]
  }
  direct {
    exclude = [%s]
  }
}
`, offlineLabel(version), offlineMirror, offlineProviders(), offlineProviders())
	c = c.
		WithDirectory(offlineMirror+"/mirror", offlineProviderMirror(src, version)).
		WithNewFile(offlineMirror+"/terraformrc", rc).
		WithEnvVariable("TF_CLI_CONFIG_FILE", offlineMirror+"/terraformrc").
		WithEnvVariable("EVENTMALL_OFFLINE_AWS_SCHEMA", version)
	if values != nil {
		c = c.WithFile(offlineMirror+"/values.json", values).
			WithEnvVariable("EVENTMALL_OFFLINE_AWS_VALUES", offlineMirror+"/values.json")
	}
	return c
}
