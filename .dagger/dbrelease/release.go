// Package dbrelease decides how the deploy's db-release stage runs: the
// service's container (as its task definition says, with the new image)
// turned into the migrator's, which prepares the database and the secrets
// the new tasks read. The service itself runs as the least-privilege
// application user with the session keys from their own secret; both
// secrets are created empty by Terraform and written here:
//
//  1. db-release.js: migrations and the catalogue load, as the migrator
//     (the RDS-managed master secret's user);
//  2. grant-app-user.js: the application user's row rights, a fresh
//     password written to its secret (every release is a rotation; running
//     tasks re-read it when refused);
//  3. session-keys.js --if-empty: the first session key on a first deploy,
//     existing keys left alone (rotation is an operator's decision).
package dbrelease

import (
	"fmt"
	"strings"

	"dagger/eventmall/taskdef"
)

// Steps are the release's commands, run in order in the new image; the
// first failure stops the release.
var Steps = [][]string{
	{"node", "src/cli/db-release.js"},
	{"node", "src/cli/grant-app-user.js"},
	{"node", "src/cli/session-keys.js", "--if-empty"},
}

// CatalogueLoadCommand loads a published catalogue object (a
// catalogue-only deploy's load-catalogue): the running image's loader,
// told where the object is by CatalogueObjectVar. No migration runs.
var CatalogueLoadCommand = []string{"node", "src/cli/catalog-load.js"}

// CatalogueObjectVar is s3://bucket/<environment>/catalogue/<sha256>.json;
// the loader refuses an object whose bytes do not match that name.
const CatalogueObjectVar = "CATALOG_OBJECT"

// ShellCommand is Steps as one command, for a one-off ECS task (one
// container command): "sh -c 'a && b && c'". The steps are constants of
// this package, never input.
func ShellCommand() []string {
	parts := make([]string, len(Steps))
	for i, s := range Steps {
		parts[i] = strings.Join(s, " ")
	}
	return []string{"sh", "-c", strings.Join(parts, " && ")}
}

// Secrets names what the release reads and writes (stack outputs).
type Secrets struct {
	// MasterSecretArn: the migrator's credentials, the RDS-managed master
	// secret (data stack output database_master_secret_arn).
	MasterSecretArn string
	// AppSecretArn: the application user's secret the release writes (data
	// stack output database_secret_arn).
	AppSecretArn string
	// AppUsername: the application user's name (data stack output
	// database_app_username).
	AppUsername string
	// SessionKeysSecretArn: the session keys' secret (service stack output
	// session_keys_secret_arn).
	SessionKeysSecretArn string
}

// Variables of the service container the migrator replaces or drops.
const (
	dbUser       = "DB_USER"
	dbPassword   = "DB_PASSWORD"
	dbSecretID   = "DB_SECRET_ID"
	sessionKeys  = "SESSION_KEYS"
	appUser      = "APP_DB_USER"
	appSecretID  = "APP_DB_SECRET_ID"
	keysSecretID = "SESSION_KEYS_SECRET_ID"
)

// Migrator is the service container c as the release runs it: the same
// image, environment (database host, TLS, region, cache) and secrets
// channel, but connecting as the migrator (DB_USER and DB_PASSWORD from the
// master secret), without the application's secrets (its DB_SECRET_ID, the
// session keys), told where to write them; no port, no health check, no
// command (Steps or ShellCommand give it).
func Migrator(c taskdef.Container, s Secrets) (taskdef.Container, error) {
	for _, x := range []struct{ name, arn string }{
		{"database_master_secret_arn", s.MasterSecretArn},
		{"database_secret_arn", s.AppSecretArn},
		{"session_keys_secret_arn", s.SessionKeysSecretArn},
	} {
		if _, err := taskdef.ParseSecretRef(x.arn); err != nil {
			return taskdef.Container{}, fmt.Errorf("release: %s: %w", x.name, err)
		}
	}
	if s.MasterSecretArn == s.AppSecretArn {
		return taskdef.Container{}, fmt.Errorf("release: database_master_secret_arn and database_secret_arn are the same secret (%s): the service must not run as the migrator", s.AppSecretArn)
	}
	if s.AppUsername == "" {
		return taskdef.Container{}, fmt.Errorf("release: database_app_username is empty")
	}
	if _, ok := c.Secrets[dbPassword]; !ok {
		return taskdef.Container{}, fmt.Errorf("release: container %s has no %s secret: not the service's container", c.Name, dbPassword)
	}
	m := c
	m.Command, m.EntryPoint, m.HealthCheck, m.Port = nil, nil, nil, 0
	m.Environment = map[string]string{}
	for k, v := range c.Environment {
		m.Environment[k] = v
	}
	delete(m.Environment, dbSecretID)
	m.Environment[appUser] = s.AppUsername
	m.Environment[appSecretID] = s.AppSecretArn
	m.Environment[keysSecretID] = s.SessionKeysSecretArn
	m.Secrets = map[string]taskdef.SecretRef{}
	for k, v := range c.Secrets {
		if k != sessionKeys {
			m.Secrets[k] = v
		}
	}
	m.Secrets[dbUser] = taskdef.SecretRef{SecretArn: s.MasterSecretArn, JSONKey: "username"}
	m.Secrets[dbPassword] = taskdef.SecretRef{SecretArn: s.MasterSecretArn, JSONKey: "password"}
	return m, nil
}

// ValueFrom is ref as an ECS container secret's valueFrom.
func ValueFrom(ref taskdef.SecretRef) string {
	if ref.JSONKey == "" {
		return ref.SecretArn
	}
	return ref.SecretArn + ":" + ref.JSONKey + "::"
}
