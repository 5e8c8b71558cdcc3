package main

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The engine image: Debian minbase, the engine's runtime packages, the
// Dagger binaries, and a built-in OCI content store holding the Go SDK
// runtime image (the engine finds it by DAGGER_GO_SDK_MANIFEST_DIGEST).

const engineContentDir = "/usr/local/share/dagger/content"

// goSDKDockerfile: git, Go (the host's toolchain), codegen, an empty module
// cache and build cache, CA bundle.
const goSDKDockerfile = `FROM {{BASE}}
RUN ` + `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates git openssh-client && rm -rf /var/lib/apt/lists/*` + `
COPY go /usr/local/go
COPY codegen /usr/local/bin/codegen
RUN mkdir -p /go/pkg/mod /go/bin /root/.cache/go-build /src
ENV GOPATH=/go GOTOOLCHAIN=local GOSUMDB=off PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
`

// goSDKEnv must match goSDKDockerfile's ENV (it goes into the OCI config).
var goSDKEnv = []string{
	"PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"GOPATH=/go", "GOTOOLCHAIN=local", "GOSUMDB=off",
}

const engineDockerfile = `FROM {{BASE}}
RUN ` + `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ` +
	`ca-certificates git openssh-client iptables dnsmasq containernetworking-plugins runc iproute2 pigz xz-utils ` +
	`&& rm -rf /var/lib/apt/lists/*` + ` \
 && ln -sf /usr/sbin/runc /usr/local/bin/runc \
 && mkdir -p /opt/cni/bin /etc/dagger /run/dagger \
 && for p in bridge host-local firewall loopback; do ln -sf /usr/lib/cni/$p /opt/cni/bin/$p; done
COPY bin/dagger-engine bin/dagger-init bin/dagger /usr/local/bin/
COPY bin/dialstdio /usr/local/bin/buildctl
COPY bin/dnsname /opt/cni/bin/dnsname
COPY content/ ` + engineContentDir + `/
ENV DAGGER_GO_SDK_MANIFEST_DIGEST={{GOSDK}}
LABEL org.opencontainers.image.version=` + DaggerVersion + `
VOLUME /var/lib/dagger
ENTRYPOINT ["dagger-engine", "--config", "/etc/dagger/engine.toml"]
`

// engineImageHash covers what decides the engine image.
func engineImageHash(cfg config) (string, error) {
	ok, stamp, err := binariesReady(cfg)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("dagger binaries are not built")
	}
	return recipeHash(DaggerVersion, stamp, goVersion(), goSDKDockerfile, engineDockerfile), nil
}

func engineImageCurrent(cfg config) bool {
	want, err := engineImageHash(cfg)
	if err != nil {
		return false
	}
	got, err := docker("image", "inspect", "--format", `{{index .Config.Labels "`+recipeLabel+`"}}`, engineImageTag())
	return err == nil && got == want
}

// ensureEngineImage builds the engine image when missing or outdated.
func ensureEngineImage(cfg config, reg string) error {
	if engineImageCurrent(cfg) {
		return nil
	}
	want, err := engineImageHash(cfg)
	if err != nil {
		return err
	}
	if err := ensureLocalBase(cfg, reg); err != nil {
		return err
	}
	base := localTag(reg, baseRef)

	// 1. the Go SDK runtime, as a docker image first
	sdk, err := newBuildContext(cfg, "go-sdk-runtime")
	if err != nil {
		return err
	}
	if out, err := exec.Command("cp", "-al", "/usr/local/go", filepath.Join(sdk.Dir, "go")).CombinedOutput(); err != nil {
		return fmt.Errorf("copying /usr/local/go: %s", oneLine(string(out)))
	}
	if err := copyFile(filepath.Join(cfg.binDir(), "codegen"), filepath.Join(sdk.Dir, "codegen"), 0o755); err != nil {
		return err
	}
	if err := sdk.write("Dockerfile", strings.ReplaceAll(goSDKDockerfile, "{{BASE}}", base), 0o644); err != nil {
		return err
	}
	sdkTag := "eventmall-airgap/go-sdk-runtime:" + DaggerVersion
	if err := dockerBuild(sdk, sdkTag); err != nil {
		return fmt.Errorf("building the Go SDK runtime: %w", err)
	}

	// 2. exported into an OCI content store inside the engine build context
	eng, err := newBuildContext(cfg, "dagger-engine")
	if err != nil {
		return err
	}
	manifest, err := exportOCI(sdkTag, filepath.Join(eng.Dir, "content"), goSDKEnv)
	if err != nil {
		return fmt.Errorf("exporting the Go SDK runtime: %w", err)
	}
	os.RemoveAll(sdk.Dir)

	// 3. the engine image
	if err := os.MkdirAll(filepath.Join(eng.Dir, "bin"), 0o755); err != nil {
		return err
	}
	for _, b := range daggerBinaries {
		if err := copyFile(filepath.Join(cfg.binDir(), b.name), filepath.Join(eng.Dir, "bin", b.name), 0o755); err != nil {
			return err
		}
	}
	df := strings.NewReplacer("{{BASE}}", base, "{{GOSDK}}", manifest).Replace(engineDockerfile)
	if err := eng.write("Dockerfile", df, 0o644); err != nil {
		return err
	}
	if err := dockerBuild(eng, engineImageTag(), "--label", recipeLabel+"="+want); err != nil {
		return fmt.Errorf("building the engine image: %w", err)
	}
	return os.RemoveAll(eng.Dir)
}

// exportOCI flattens a docker image into one gzip layer and writes it as an
// OCI image (layer, config, manifest) into the content store at dir.
// It returns the manifest digest.
func exportOCI(image, dir string, env []string) (string, error) {
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return "", err
	}
	id, err := docker("create", image, "true")
	if err != nil {
		return "", err
	}
	defer docker("rm", "-f", id) //nolint:errcheck

	// layer: docker export | gzip, hashing both the tar (diff id) and the blob
	tmp := filepath.Join(blobs, "layer.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	blobHash := sha256.New()
	counter := &countingWriter{}
	gz, _ := gzip.NewWriterLevel(io.MultiWriter(f, blobHash, counter), gzip.BestSpeed)
	diffHash := sha256.New()
	cmd := exec.Command(dockerBin(), "export", id)
	cmd.Stdout = io.MultiWriter(gz, diffHash)
	errb := &strings.Builder{}
	cmd.Stderr = errb
	if err := cmd.Run(); err != nil {
		f.Close()
		return "", fmt.Errorf("docker export: %v: %s", err, oneLine(errb.String()))
	}
	if err := gz.Close(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	layerDigest := digestOf(blobHash)
	if err := os.Rename(tmp, filepath.Join(blobs, strings.TrimPrefix(layerDigest, "sha256:"))); err != nil {
		return "", err
	}

	imgConfig := map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"config":       map[string]any{"Env": env, "WorkingDir": "/"},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{digestOf(diffHash)}},
	}
	cfgDigest, cfgSize, err := writeBlob(blobs, imgConfig)
	if err != nil {
		return "", err
	}
	manifest := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfgDigest, "size": cfgSize},
		"layers": []any{map[string]any{
			"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layerDigest, "size": counter.n,
		}},
	}
	manDigest, manSize, err := writeBlob(blobs, manifest)
	if err != nil {
		return "", err
	}
	index := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests": []any{map[string]any{
			"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manDigest, "size": manSize,
			"annotations": map[string]string{"org.opencontainers.image.ref.name": "go-sdk-runtime"},
		}},
	}
	if err := writeJSON(filepath.Join(dir, "index.json"), index); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return "", err
	}
	return manDigest, nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func digestOf(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

func writeBlob(blobs string, v any) (string, int64, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", 0, err
	}
	sum := sha256.Sum256(b)
	d := hex.EncodeToString(sum[:])
	return "sha256:" + d, int64(len(b)), os.WriteFile(filepath.Join(blobs, d), b, 0o644)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
