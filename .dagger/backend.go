package main

import (
	"context"

	"dagger/eventmall/internal/dagger"
)

// Throwaway credentials of the test database, which lives only for one
// test run inside the engine; not a secret of any deployed system.
const testDatabasePassword = "eventmall-test"

// Mariadb returns a MariaDB server (MySQL-compatible, like Aurora MySQL)
// for tests and the local shop, listening on port 3306.
func (m *Eventmall) Mariadb(
	// Root password.
	rootPassword *dagger.Secret,
	// Database created at first start.
	// +optional
	// +default="eventmall"
	database string,
) *dagger.Service {
	return mariadbService(rootPassword, database)
}

func mariadbService(rootPassword *dagger.Secret, database string) *dagger.Service {
	return dag.Container().
		From(mariadbImage).
		WithSecretVariable("MARIADB_ROOT_PASSWORD", rootPassword).
		WithEnvVariable("MARIADB_DATABASE", database).
		WithExposedPort(3306).
		AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})
}

// Memcached returns a memcached server listening on port 11211.
func (m *Eventmall) Memcached() *dagger.Service { return memcachedService() }

func memcachedService() *dagger.Service {
	return dag.Container().
		From(memcachedImage).
		WithExposedPort(11211).
		AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})
}

// backendDeps is the backend with its dependencies installed.
func (m *Eventmall) backendDeps() *dagger.Container {
	return nodeBase(m.backendDir())
}

// BackendTests returns the container that runs the API's test suite
// against a real MariaDB and a real memcached, bound as services `db` and
// `cache`. TestBackend runs it; use this to chain, e.g. `terminal`.
func (m *Eventmall) BackendTests() *dagger.Container {
	password := dag.SetSecret("eventmall-test-db-password", testDatabasePassword)
	return m.withTestDataTier(m.backendDeps(), password).
		WithEnvVariable("DB_NAME", "eventmall").
		WithExec([]string{"npm", "test"})
}

// withTestDataTier binds a real MariaDB (database eventmall, root with
// password) and a real memcached to c as services `db` and `cache`, and
// points the backend's configuration at them.
func (m *Eventmall) withTestDataTier(c *dagger.Container, password *dagger.Secret) *dagger.Container {
	return c.
		WithServiceBinding("db", m.Mariadb(password, "eventmall")).
		WithServiceBinding("cache", m.Memcached()).
		WithEnvVariable("DB_HOST", "db").
		WithEnvVariable("DB_PORT", "3306").
		WithEnvVariable("DB_USER", "root").
		WithSecretVariable("DB_PASSWORD", password).
		WithEnvVariable("MEMCACHED_SERVERS", "cache:11211")
}

// TestBackend runs the API's tests (npm test) against MariaDB and
// memcached run as services: atomic stock, idempotent orders, the midnight
// switch, cache and database outages, fuzzed inputs.
// +check
func (m *Eventmall) TestBackend(ctx context.Context) error {
	return sync(ctx, "test-backend (npm test)", m.BackendTests())
}

// LintBackend lints the API's code.
// +check
func (m *Eventmall) LintBackend(ctx context.Context) error {
	return sync(ctx, "lint-backend (npm run lint)", m.backendDeps().WithExec([]string{"npm", "run", "lint"}))
}

// ValidateCatalog checks the product catalogue in backend/catalog: every
// file, event, drop and product, with errors that name the file, the item
// and the field.
// +check
func (m *Eventmall) ValidateCatalog(ctx context.Context) error {
	c := m.backendDeps().WithExec([]string{"npm", "run", "--silent", "catalog:validate"})
	return sync(ctx, "validate-catalog", c)
}

// BackendImage builds the API's production image from backend/Dockerfile,
// on the Node image the module pins (images.json), passed as NODE_IMAGE.
func (m *Eventmall) BackendImage() *dagger.Container {
	return m.backendDir().DockerBuild(dagger.DirectoryDockerBuildOpts{
		BuildArgs: []dagger.BuildArg{{Name: "NODE_IMAGE", Value: nodeImage}},
	})
}
