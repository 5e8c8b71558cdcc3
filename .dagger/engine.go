package main

import (
	"context"
	"fmt"
	gosync "sync"
	"sync/atomic"

	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/tfengine"
)

// The infrastructure-as-code engine every Terraform stage runs: the one pin
// of .dagger/tfengine/engine.json (OpenTofu), never images.json's
// "terraform" image. Its image is images.json "engine", which air-gapped
// mode's mirror builds from the host checks' own build; OpenTofu publishes
// no image we may name, so where that image cannot be pulled (Docker Hub
// holds nothing under its namespace) the engine is built in the Dagger
// engine from the same pin (tfengine's BuildScript, in the golang image,
// the Go caches mounted: built once, then a cache hit).

// pinnedEngine is the pin; tf the command every stage runs ("tofu").
var (
	pinnedEngine = tfengine.Pinned()
	tf           = pinnedEngine.Binary()
)

// engineBin is where the engine sits in the container engineContainer gives.
var engineBin = "/usr/local/bin/" + tf

// engineRun is the resolved engine: its container and how reports name it.
type engineRun struct {
	ctr *dagger.Container
	// label, e.g. "OpenTofu v1.12.6 (image eventmall-airgap/opentofu:1.12.6)"
	// or "OpenTofu v1.12.6 (built in the engine from github.com/opentofu/opentofu)".
	label string
}

var resolvedEngine struct {
	once gosync.Once
	done atomic.Bool
	run  engineRun
	err  error
}

// engineContainer is the pinned engine, ready to run (resolved once per
// call of the module): the engine image when it can be pulled, else built
// in the engine. Its version line is checked against the pin either way.
func engineContainer(ctx context.Context) (*dagger.Container, string, error) {
	resolvedEngine.once.Do(func() {
		resolvedEngine.run, resolvedEngine.err = resolveEngine(ctx, false)
		resolvedEngine.done.Store(true)
	})
	return resolvedEngine.run.ctr, resolvedEngine.run.label, resolvedEngine.err
}

// resolvedEngineLabel is the engine's label once a stage has resolved it,
// "" before (a run that stopped before any Terraform stage).
func resolvedEngineLabel() string {
	if !resolvedEngine.done.Load() || resolvedEngine.err != nil {
		return ""
	}
	return resolvedEngine.run.label
}

func resolveEngine(ctx context.Context, build bool) (engineRun, error) {
	ref := image("engine")
	if !build {
		c := dag.Container().From(ref)
		line, err := engineVersionLine(ctx, c)
		if err == nil {
			if line != pinnedEngine.VersionLine() {
				return engineRun{}, fmt.Errorf("engine image %s runs %q; .dagger/tfengine/engine.json pins %s", ref, line, pinnedEngine.Label())
			}
			return engineRun{ctr: c, label: pinnedEngine.Label() + " (image " + ref + ")"}, nil
		}
		progress("engine: image %s cannot be run here (%s): building %s in the engine from %s instead (cached after the first build)",
			ref, firstLine(err.Error()), pinnedEngine.Label(), pinnedEngine.Module())
	}
	c := builtEngine()
	line, err := engineVersionLine(ctx, c)
	if err != nil {
		return engineRun{}, execErr("building "+pinnedEngine.Label()+" in the engine (no image "+ref+" to pull)", err)
	}
	if line != pinnedEngine.VersionLine() {
		return engineRun{}, fmt.Errorf("the engine built from .dagger/tfengine/engine.json prints %q, not %s", line, pinnedEngine.Label())
	}
	return engineRun{ctr: c, label: pinnedEngine.Label() + " (built in the engine from " + pinnedEngine.Module() + ")"}, nil
}

// builtEngine builds the pin in the golang image (which has ca-certificates
// and git, as the engine image does) and runs it from there.
func builtEngine() *dagger.Container {
	bin := goToolchain().
		WithExec([]string{"sh", "-c", pinnedEngine.BuildScript("/out/" + tf)}).
		File("/out/" + tf)
	return dag.Container().From(golangImage).
		WithFile(engineBin, bin, dagger.ContainerWithFileOpts{Permissions: 0o755})
}

// engineVersionLine is the first line `<engine> version` prints in c.
func engineVersionLine(ctx context.Context, c *dagger.Container) (string, error) {
	out, err := c.
		WithEnvVariable("CHECKPOINT_DISABLE", "1").
		WithEnvVariable("TF_CLI_CONFIG_FILE", "/dev/null").
		WithExec([]string{tf, "version"}).
		Stdout(ctx)
	if err != nil {
		return "", err
	}
	return firstLine(out), nil
}

// Engine names the infrastructure-as-code engine the Terraform stages run
// (the pin of .dagger/tfengine/engine.json) and where it came from: the
// engine image, or built in the engine where that image cannot be pulled.
// With --build it is built in the engine whatever the image.
// +cache="session"
func (m *Eventmall) Engine(
	ctx context.Context,
	// Build the engine from the pin in the engine, even where its image can be pulled.
	// +optional
	build bool,
) (string, error) {
	if build {
		r, err := resolveEngine(ctx, true)
		return r.label, err
	}
	_, label, err := engineContainer(ctx)
	return label, err
}
