//go:build tools

// Package daggerbuild only anchors the build module; the binaries are built
// by package path (github.com/dagger/dagger/cmd/...), see ci/airgap/binaries.go.
package daggerbuild
