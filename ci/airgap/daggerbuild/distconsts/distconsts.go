// Package distconsts is eventmall's stand-in for Dagger's nested module of the
// same path, which the Go module proxy does not serve. It holds only the
// constants the v0.19.7 engine, CLI and SDK runtime import, with values that
// describe the engine image that ci/airgap assembles (see engineimage.go).
package distconsts

const (
	// Where the engine keeps its state (a named docker volume in air-gapped mode).
	EngineDefaultStateDir = "/var/lib/dagger"
	// Name of the engine container the CLI starts when no runner host is given.
	EngineContainerName = "dagger-engine.dev"
	// The engine's own listening socket inside its container.
	DefaultEngineSockAddr = "unix:///run/dagger/engine.sock"

	// Binaries inside the engine image.
	RuncPath       = "/usr/local/bin/runc"
	DaggerInitPath = "/usr/local/bin/dagger-init"

	// Extra CA certificates the engine injects into every container it runs.
	EngineCustomCACertsDir = "/usr/local/share/ca-certificates"

	// Built-in OCI content store holding the SDK runtime images.
	EngineContainerBuiltinContentDir = "/usr/local/share/dagger/content"

	// Environment variables naming the SDK runtime manifests in that store.
	GoSDKManifestDigestEnvName         = "DAGGER_GO_SDK_MANIFEST_DIGEST"
	PythonSDKManifestDigestEnvName     = "DAGGER_PYTHON_SDK_MANIFEST_DIGEST"
	TypescriptSDKManifestDigestEnvName = "DAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST"

	// Annotation carrying the engine version on its image manifest.
	OCIVersionAnnotation = "org.opencontainers.image.version"

	// Default images for terminals and integration tests (plain upstream names;
	// in air-gapped mode only images present in the local mirror resolve).
	AlpineImage  = "alpine:3.22"
	BusyboxImage = "busybox:1.37"
	GolangImage  = "golang:1.24-alpine"
)
