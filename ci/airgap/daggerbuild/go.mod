// Build module for the Dagger binaries used by eventmall's air-gapped mode.
// It is deliberately NOT part of the root module nor of go.work: it only pins
// the Dagger release that ci/airgap builds (go run ./ci/airgap up does it).
module github.com/eventmall/eventmall/ci/airgap/daggerbuild

go 1.24.4

require (
	dagger.io/dagger v0.19.7
	github.com/dagger/dagger v0.19.7
	github.com/dagger/dagger/engine/distconsts v0.19.7
)

// Not served by the Go module proxy: a constants-only package of our own.
replace github.com/dagger/dagger/engine/distconsts => ./distconsts

// Repeated from github.com/dagger/dagger v0.19.7's go.mod: replace lines of a
// dependency do not apply to a dependent module.
replace (
	go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc => go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc v0.14.0
	go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp => go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp v0.14.0
	go.opentelemetry.io/otel/log => go.opentelemetry.io/otel/log v0.14.0
	go.opentelemetry.io/otel/sdk/log => go.opentelemetry.io/otel/sdk/log v0.14.0
)
