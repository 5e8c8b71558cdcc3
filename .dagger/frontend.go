package main

import (
	"context"

	"dagger/eventmall/internal/dagger"
)

// frontendDeps is the frontend with its dependencies installed.
func (m *Eventmall) frontendDeps() *dagger.Container { return nodeBase(m.frontendDir()) }

// TestFrontend runs the React shop's unit tests (Vitest).
// +check
func (m *Eventmall) TestFrontend(ctx context.Context) error {
	return sync(ctx, "test-frontend (npm test)", m.frontendDeps().WithExec([]string{"npm", "test"}))
}

// LintFrontend type-checks and lints the React shop.
// +check
func (m *Eventmall) LintFrontend(ctx context.Context) error {
	return sync(ctx, "lint-frontend (npm run lint)", m.frontendDeps().WithExec([]string{"npm", "run", "lint"}))
}

// BuildFrontend builds the React shop for production and returns the site:
// content-hashed files under assets/ and an index.html. Export it with
// `build-frontend export --path=dist`.
func (m *Eventmall) BuildFrontend() *dagger.Directory {
	return m.frontendDeps().
		WithExec([]string{"npm", "run", "build"}).
		Directory("/src/dist")
}
