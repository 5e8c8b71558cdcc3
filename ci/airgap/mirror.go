package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// caFiles lists the operator's extra CA certificates: EXTRA_CA_FILE may name
// one file or a directory of them.
func caFiles(cfg config) ([]string, error) {
	if cfg.ExtraCA == "" {
		return nil, nil
	}
	st, err := os.Stat(cfg.ExtraCA)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{cfg.ExtraCA}, nil
	}
	entries, err := os.ReadDir(cfg.ExtraCA)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && (strings.HasSuffix(n, ".crt") || strings.HasSuffix(n, ".pem")) {
			out = append(out, filepath.Join(cfg.ExtraCA, n))
		}
	}
	if len(out) == 0 {
		return nil, failf("extra CA directory %s holds no .crt or .pem file", cfg.ExtraCA)
	}
	return out, nil
}

// newBuildContext makes an empty build folder for one image, with extra-ca/.
func newBuildContext(cfg config, name string) (*buildContext, error) {
	safe := strings.NewReplacer("/", "_", ":", "_").Replace(name)
	dir := cfg.path("build", safe)
	os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "extra-ca"), 0o755); err != nil {
		return nil, err
	}
	// COPY of a folder needs something in it
	if err := os.WriteFile(filepath.Join(dir, "extra-ca", "README"), []byte("operator CA certificates for build stages\n"), 0o644); err != nil {
		return nil, err
	}
	cas, err := caFiles(cfg)
	if err != nil {
		return nil, err
	}
	for i, f := range cas {
		base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".pem"), ".crt")
		if err := copyFile(f, filepath.Join(dir, "extra-ca", fmt.Sprintf("%02d-%s.crt", i, base)), 0o644); err != nil {
			return nil, err
		}
	}
	return &buildContext{cfg: cfg, Dir: dir, Log: cfg.path("logs", "image-"+safe+".log")}, nil
}

func recipeHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func imageExistsLocally(tag string) bool {
	_, err := docker("image", "inspect", "--format", "{{.Id}}", tag)
	return err == nil
}

// baseMu serialises the making of the local base image.
var baseMu sync.Mutex

// ensureLocalBase makes sure the docker daemon has our debian base image,
// which every other image builds FROM: pulled back from the mirror if only
// the mirror has it, otherwise imported from the debootstrap rootfs and pushed.
func ensureLocalBase(cfg config, reg string) error {
	baseMu.Lock()
	defer baseMu.Unlock()
	tag := localTag(reg, baseRef)
	if imageExistsLocally(tag) {
		if has, _ := mirrorHas(reg, "library/debian", "bookworm-slim"); has {
			return nil
		}
		if err := dockerLogged(cfg.path("logs", "image-base.log"), "push", tag); err != nil {
			return err
		}
		return recordDigest(cfg, reg, baseRef)
	}
	if has, _ := mirrorHas(reg, "library/debian", "bookworm-slim"); has {
		if err := dockerLogged(cfg.path("logs", "image-base.log"), "pull", tag); err == nil {
			return nil
		}
	}
	if err := step("debootstrap rootfs (cached tarball)", func() error { return ensureRootfs(cfg) }); err != nil {
		return err
	}
	return step("image "+baseRef, func() error {
		logFile := cfg.path("logs", "image-base.log")
		if err := dockerLogged(logFile, "import",
			"--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"--change", `CMD ["bash"]`,
			rootfsTarball(cfg), tag); err != nil {
			return err
		}
		if err := dockerLogged(logFile, "push", tag); err != nil {
			return err
		}
		return recordDigest(cfg, reg, baseRef)
	})
}

// buildImage builds one recipe and pushes it to the mirror.
func buildImage(cfg config, reg string, r imageRecipe) error {
	b, err := newBuildContext(cfg, r.Ref)
	if err != nil {
		return err
	}
	if r.Prepare != nil {
		if err := r.Prepare(b); err != nil {
			return fmt.Errorf("preparing %s: %w", r.Ref, err)
		}
	}
	dockerfile := strings.ReplaceAll(r.Dockerfile, "{{BASE}}", localTag(reg, baseRef))
	if err := b.write("Dockerfile", dockerfile, 0o644); err != nil {
		return err
	}
	tag := localTag(reg, r.Ref)
	if err := dockerBuild(b, tag, "--label", recipeLabel+"="+r.hash()); err != nil {
		return fmt.Errorf("building %s: %w", r.Ref, err)
	}
	if err := dockerLogged(b.Log, "push", tag); err != nil {
		return fmt.Errorf("pushing %s: %w", r.Ref, err)
	}
	if err := recordDigest(cfg, reg, r.Ref); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.path("images"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(stampPath(cfg, r), []byte(r.hash()+"\n"), 0o644); err != nil {
		return err
	}
	return os.RemoveAll(b.Dir)
}

func dockerBuild(b *buildContext, tag string, extra ...string) error {
	os.Setenv("DOCKER_BUILDKIT", "0") // the classic builder uses our local base image as is
	args := append([]string{"build", "--network", "bridge", "-t", tag}, extra...)
	var err error
	for attempt := 1; attempt <= 2; attempt++ { // apt or PyPI downloads can fail once
		if err = dockerLogged(b.Log, append(args, b.Dir)...); err == nil {
			return nil
		}
	}
	return err
}

// missingImages lists the recipes whose image the mirror lacks.
func missingImages(cfg config, reg string) ([]imageRecipe, error) {
	var missing []imageRecipe
	for _, r := range recipes {
		repo, tag, err := mirrorPath(r.Ref)
		if err != nil {
			return nil, err
		}
		has, err := mirrorHas(reg, repo, tag)
		if err != nil {
			return nil, failf("local registry %s does not answer: %v", reg, err)
		}
		if !has || (r.Ref != baseRef && !recipeCurrent(cfg, r)) {
			missing = append(missing, r)
		}
	}
	return missing, nil
}

// The recipe an image in the mirror was built from is remembered in the
// cache; a changed recipe means the mirror's image is stale.
func stampPath(cfg config, r imageRecipe) string {
	return filepath.Join(cfg.path("images"), strings.NewReplacer("/", "_", ":", "_").Replace(r.Ref)+".recipe")
}

func (r imageRecipe) hash() string { return recipeHash(r.Ref, r.Dockerfile, r.Stamp) }

func recipeCurrent(cfg config, r imageRecipe) bool {
	b, err := os.ReadFile(stampPath(cfg, r))
	return err == nil && strings.TrimSpace(string(b)) == r.hash()
}

// digestPath is where the digest the tool pushed for ref is recorded.
func digestPath(cfg config, ref string) string {
	return filepath.Join(cfg.path("images"), strings.NewReplacer("/", "_", ":", "_").Replace(ref)+".digest")
}

// recordedDigest is the digest recorded for ref, if any.
func recordedDigest(cfg config, ref string) (string, bool) {
	b, err := os.ReadFile(digestPath(cfg, ref))
	d := strings.TrimSpace(string(b))
	return d, err == nil && d != ""
}

// recordDigest records the digest the mirror serves for ref, right after
// the tool pushed it.
func recordDigest(cfg config, reg, ref string) error {
	repo, tag, err := mirrorPath(ref)
	if err != nil {
		return err
	}
	d, ok, err := mirrorDigest(reg, repo, tag)
	if err != nil || !ok || d == "" {
		return failf("reading the digest of %s from the mirror %s after pushing it: %v", ref, reg, err)
	}
	if err := os.MkdirAll(cfg.path("images"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(digestPath(cfg, ref), []byte(d+"\n"), 0o644)
}

// verifyMirrorDigests checks that every image of the mirror is the one the
// tool pushed: the digest the mirror serves for each tag must be the one
// recorded at push time. Anything else (a container on the host pushing its
// own node:… or terraform image, which later receives AWS credentials) is
// refused by name. An image with no record yet (pushed before digests were
// recorded) is recorded when record is set (up), trusted on first use.
func verifyMirrorDigests(cfg config, reg string, record bool) error {
	var bad []string
	for _, r := range recipes {
		repo, tag, err := mirrorPath(r.Ref)
		if err != nil {
			return err
		}
		now, ok, err := mirrorDigest(reg, repo, tag)
		if err != nil {
			return failf("local registry %s does not answer: %v", reg, err)
		}
		if !ok {
			continue // missing: up builds it (and records its digest)
		}
		want, known := recordedDigest(cfg, r.Ref)
		switch {
		case !known && record:
			if err := recordDigest(cfg, reg, r.Ref); err != nil {
				return err
			}
			logf("  recorded the digest of %s: %s\n", r.Ref, now)
		case known && now != want:
			bad = append(bad, fmt.Sprintf("%s: pushed as %s, the mirror now serves %s", r.Ref, want, now))
		}
	}
	if len(bad) > 0 {
		return failf("the mirror %s serves images this tool did not push (replaced since):\n  %s\nfind out what pushed them; then rebuild each with 'go run ./ci/airgap up --rebuild REF'", reg, strings.Join(bad, "\n  "))
	}
	return nil
}

// ensureImages builds and pushes every image the mirror lacks, after
// checking that the images it has are the ones it pushed.
func ensureImages(cfg config, reg string) error {
	if err := verifyMirrorDigests(cfg, reg, true); err != nil {
		return err
	}
	missing, err := missingImages(cfg, reg)
	if err != nil {
		return err
	}
	for _, ref := range cfg.Rebuild { // up --rebuild REF
		if ref == baseRef {
			return failf("--rebuild %s: remove %s and the mirror's library/debian to make a new base", baseRef, rootfsTarball(cfg))
		}
		r, ok := recipeFor(ref)
		if !ok {
			return failf("--rebuild %s: no such image (see 'go run ./ci/airgap images')", ref)
		}
		if !containsRecipe(missing, ref) {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		logf("  mirror has all %d images\n", len(recipes))
		return nil
	}
	if err := ensureLocalBase(cfg, reg); err != nil {
		return err
	}
	for _, r := range missing {
		if r.Ref == baseRef {
			continue // done by ensureLocalBase
		}
		r := r
		if err := step("image "+r.Ref, func() error { return buildImage(cfg, reg, r) }); err != nil {
			return err
		}
	}
	return nil
}

func containsRecipe(rs []imageRecipe, ref string) bool {
	for _, r := range rs {
		if r.Ref == ref {
			return true
		}
	}
	return false
}

func recipeFor(ref string) (imageRecipe, bool) {
	for _, r := range recipes {
		if r.Ref == ref {
			return r, true
		}
	}
	return imageRecipe{}, false
}
