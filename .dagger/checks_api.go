package main

import (
	"context"

	"dagger/eventmall/internal/dagger"
)

// ApiTypes checks that the frontend's generated API types
// (frontend/src/lib/api.gen.ts) are what openapi-typescript makes of the
// committed backend/openapi.json (npm run api:types -- --check).
// +check
func (m *Eventmall) ApiTypes(ctx context.Context) error {
	c := m.frontendDeps().
		// frontend/scripts/api-types.mjs reads ../../backend/openapi.json.
		WithFile("/backend/openapi.json", m.Source.File("backend/openapi.json")).
		WithExec([]string{"npm", "run", "--silent", "api:types", "--", "--check"})
	return sync(ctx, "api-types (frontend types against backend/openapi.json)", c)
}

// schemathesisBase is Node with Python's venv, the MariaDB client and curl
// from Debian, and the backend's dependencies: what
// backend/scripts/schemathesis.sh needs to start the real server, prepare
// its database and run schemathesis (PyPI) against it.
func (m *Eventmall) schemathesisBase() *dagger.Container {
	tools := dag.Container().
		From(nodeImage).
		WithEnvVariable("DEBIAN_FRONTEND", "noninteractive").
		WithExec([]string{"sh", "-c", "apt-get update -qq && apt-get install -y -qq --no-install-recommends " +
			"python3-venv mariadb-client curl ca-certificates >/dev/null && rm -rf /var/lib/apt/lists/*"})
	return nodeDeps(tools, m.backendDir())
}

// Schemathesis fuzzes the API from its OpenAPI document with schemathesis
// (property-based, every check on, a fixed seed) against the real server
// with MariaDB and memcached run as services, the waiting room off and on
// (backend/scripts/schemathesis.sh): any failed check, and any error the
// server logged, fails it.
// +check
func (m *Eventmall) Schemathesis(ctx context.Context) error {
	password := dag.SetSecret("eventmall-schemathesis-db-password", testDatabasePassword)
	c := m.schemathesisBase().
		WithMountedCache("/root/.cache/pip", dag.CacheVolume("eventmall-pip")).
		// The script keeps its virtualenv under EVENTMALL_CACHE, reused
		// while the pinned version is the one installed.
		WithMountedCache("/cache", dag.CacheVolume("eventmall-schemathesis")).
		WithEnvVariable("EVENTMALL_CACHE", "/cache").
		WithEnvVariable("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt")
	c = m.withTestDataTier(c, password).
		WithExec([]string{"bash", "scripts/schemathesis.sh"})
	return sync(ctx, "schemathesis (the API fuzzed from openapi.json against the real server)", c)
}
