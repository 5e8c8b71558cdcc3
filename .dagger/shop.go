package main

import (
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strconv"

	"dagger/eventmall/internal/dagger"
)

// Shop serves the whole shop locally with no AWS account: MariaDB,
// memcached and the API image serving the built frontend, the catalogue
// loaded and shifted so today has a live drop. Open it with
// `shop up --ports=8080:8080`, then http://localhost:8080.
// +cache="session"
func (m *Eventmall) Shop() *dagger.Service {
	return shopService(m.BackendImage(), m.BuildFrontend())
}

// The port the local shop serves on.
const shopPort = 8080

// shopService is the API image serving site, with a MariaDB and a
// memcached of its own, on shopPort.
func shopService(image *dagger.Container, site *dagger.Directory) *dagger.Service {
	return shopServiceWith(image, site, nil)
}

// testShopService is the shop the browser tests run against: its clock
// starts at clockStart (CLOCK_START, an RFC 3339 instant) instead of the
// system's, and the catalogue keeps its own dates, so a run does not depend
// on the day it runs on. queue: with its waiting room on, admitting one
// buyer a second (the queue scenarios).
func testShopService(image *dagger.Container, site *dagger.Directory, clockStart string, queue bool) *dagger.Service {
	env := map[string]string{"CLOCK_START": clockStart}
	if queue {
		env["WAITING_ROOM"] = "on"
		env["WAITING_ROOM_INLET_PER_SEC"] = "1"
	}
	return shopServiceWith(image, site, env)
}

// shopServiceWith is shopService with further environment variables of the
// API (sorted, so the service's definition does not depend on map order).
func shopServiceWith(image *dagger.Container, site *dagger.Directory, env map[string]string) *dagger.Service {
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		image = image.WithEnvVariable(k, env[k])
	}
	// On the system clock, the catalogue is shifted so today has a live drop.
	if _, ok := env["CLOCK_START"]; !ok {
		image = image.WithEnvVariable("CATALOG_SHIFT_TO_TODAY", "true")
	}
	// A fresh password per session: the local database lives only as long
	// as the service.
	raw := make([]byte, 16)
	_, _ = rand.Read(raw)
	password := dag.SetSecret("eventmall-shop-db-password", hex.EncodeToString(raw))
	return image.
		WithServiceBinding("db", mariadbService(password, "eventmall")).
		WithServiceBinding("cache", memcachedService()).
		WithDirectory("/srv/www", site).
		WithEnvVariable("PORT", strconv.Itoa(shopPort)).
		WithEnvVariable("DB_HOST", "db").
		WithEnvVariable("DB_PORT", "3306").
		WithEnvVariable("DB_USER", "root").
		WithSecretVariable("DB_PASSWORD", password).
		WithEnvVariable("DB_NAME", "eventmall").
		WithEnvVariable("MEMCACHED_SERVERS", "cache:11211").
		WithEnvVariable("STATIC_DIR", "/srv/www").
		WithExposedPort(shopPort).
		// The database is this service's own: prepare it (as a deploy's
		// db:release stage does), then serve.
		AsService(dagger.ContainerAsServiceOpts{
			Args:          []string{"sh", "-c", "node src/cli/db-release.js && exec node src/server.js"},
			UseEntrypoint: true,
		})
}
