package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"dagger/eventmall/internal/dagger"
	"dagger/eventmall/smokecheck"
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

// bundleBudgetKB is the shop's budget of first-load JavaScript, gzipped:
// what a phone on a slow network downloads before the drop shows.
const bundleBudgetKB = 80

// BundleBudget builds the shop and fails when its first-load JavaScript,
// gzipped, is over the budget of 80 KB (frontend/scripts/size.mjs).
// +check
func (m *Eventmall) BundleBudget(ctx context.Context) error {
	c := m.frontendDeps().
		WithDirectory("/src/dist", m.BuildFrontend()).
		WithExec([]string{"node", "scripts/size.mjs", "--max-kb", strconv.Itoa(bundleBudgetKB)})
	return sync(ctx, fmt.Sprintf("bundle-budget (first-load JS over %d KB gzipped?)", bundleBudgetKB), c)
}

// browserBase is Node with Debian's Chromium, which playwright-core drives
// (no browser is downloaded), and the frontend's dependencies.
func (m *Eventmall) browserBase() *dagger.Container {
	chromium := dag.Container().
		From(nodeImage).
		WithEnvVariable("DEBIAN_FRONTEND", "noninteractive").
		WithExec([]string{"sh", "-c", "apt-get update -qq && apt-get install -y -qq --no-install-recommends " +
			"chromium fonts-dejavu-core fonts-liberation >/dev/null && rm -rf /var/lib/apt/lists/* && chromium --version"})
	return nodeDeps(chromium, m.frontendDir())
}

// shopScreenshots photographs the drop page of the shop at url (phone and
// desktop width, frontend/e2e/screenshots.mjs) and returns the PNG files.
func (m *Eventmall) shopScreenshots(url string, site *dagger.Directory) *dagger.Directory {
	return m.browserBase().
		WithDirectory("/src/dist", site).
		WithEnvVariable("E2E_BASE_URL", url).
		WithEnvVariable("E2E_SKIP_BUILD", "1").
		WithEnvVariable("SCREENSHOT_DIR", "/shots").
		WithEnvVariable("EVENTMALL_RUN", cacheBuster()).
		WithExec([]string{"node", "e2e/screenshots.mjs"}).
		Directory("/shots")
}

// BrowserTests runs the shop's browser scenarios (frontend/e2e, Playwright driving
// Chromium) against the shop service: the API image serving the built
// site, with MariaDB and memcached, as `shop` serves it; the waiting-room
// scenarios against a second one with its waiting room on. Both shops run
// on a clock started at noon of the catalogue's first drop (CLOCK_START),
// never on the day the tests run.
// +check
func (m *Eventmall) BrowserTests(ctx context.Context) error {
	cats, err := m.catalogues(ctx)
	if err != nil {
		return fmt.Errorf("browser tests: %w", err)
	}
	noon, err := smokecheck.FirstDropNoon(cats)
	if err != nil {
		return fmt.Errorf("browser tests: the shops' clock: %w", err)
	}
	start := noon.Format(time.RFC3339)
	site := m.BuildFrontend()
	image := m.BackendImage()
	c := m.browserBase().
		WithDirectory("/src/dist", site).
		WithServiceBinding("shop", testShopService(image, site, start, false)).
		WithServiceBinding("queue", testShopService(image, site, start, true)).
		WithEnvVariable("E2E_BASE_URL", fmt.Sprintf("http://shop:%d", shopPort)).
		WithEnvVariable("E2E_QUEUE_BASE_URL", fmt.Sprintf("http://queue:%d", shopPort)).
		WithExec([]string{"npm", "run", "e2e"})
	return sync(ctx, "e2e (Playwright in Chromium against the shop service)", c)
}
