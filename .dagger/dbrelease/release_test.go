package dbrelease

import (
	"reflect"
	"strings"
	"testing"

	"dagger/eventmall/taskdef"
)

const (
	master = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-x-AbCdEf"
	app    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:eventmall-prod-app-user-1-AbCdEf"
	keys   = "arn:aws:secretsmanager:us-east-1:123456789012:secret:eventmall-prod-session-keys-1-AbCdEf"
)

func service() taskdef.Container {
	return taskdef.Container{
		Name: "api", Image: "repo@sha256:new", Essential: true, Port: 8080,
		Command:     []string{"node", "src/server.js"},
		HealthCheck: []string{"CMD-SHELL", "true"},
		Environment: map[string]string{"DB_HOST": "db", "DB_TLS": "verify", "DB_SECRET_ID": app, "AWS_REGION": "us-east-1"},
		Secrets: map[string]taskdef.SecretRef{
			"DB_USER":      {SecretArn: app, JSONKey: "username"},
			"DB_PASSWORD":  {SecretArn: app, JSONKey: "password"},
			"SESSION_KEYS": {SecretArn: keys},
		},
	}
}

var good = Secrets{MasterSecretArn: master, AppSecretArn: app, AppUsername: "eventmall_app", SessionKeysSecretArn: keys}

func TestMigratorConnectsAsTheMasterAndWritesTheAppSecrets(t *testing.T) {
	svc := service()
	m, err := Migrator(svc, good)
	if err != nil {
		t.Fatal(err)
	}
	wantSecrets := map[string]taskdef.SecretRef{
		"DB_USER":     {SecretArn: master, JSONKey: "username"},
		"DB_PASSWORD": {SecretArn: master, JSONKey: "password"},
	}
	if !reflect.DeepEqual(m.Secrets, wantSecrets) {
		t.Errorf("secrets %v, want %v (the master's, no session keys)", m.Secrets, wantSecrets)
	}
	wantEnv := map[string]string{"DB_HOST": "db", "DB_TLS": "verify", "AWS_REGION": "us-east-1",
		"APP_DB_USER": "eventmall_app", "APP_DB_SECRET_ID": app, "SESSION_KEYS_SECRET_ID": keys}
	if !reflect.DeepEqual(m.Environment, wantEnv) {
		t.Errorf("environment %v, want %v (no DB_SECRET_ID: the migrator never reads the app user's secret)", m.Environment, wantEnv)
	}
	if m.Image != svc.Image || m.Port != 0 || m.HealthCheck != nil || m.Command != nil {
		t.Errorf("image %q port %d health %v command %v", m.Image, m.Port, m.HealthCheck, m.Command)
	}
	// The service's container is not changed.
	if svc.Secrets["DB_USER"].SecretArn != app || svc.Environment["DB_SECRET_ID"] != app {
		t.Error("Migrator changed its input")
	}
}

func TestMigratorRefusesIncompleteOrConfusedSecrets(t *testing.T) {
	for want, s := range map[string]Secrets{
		"database_master_secret_arn": {AppSecretArn: app, AppUsername: "u", SessionKeysSecretArn: keys},
		"session_keys_secret_arn":    {MasterSecretArn: master, AppSecretArn: app, AppUsername: "u", SessionKeysSecretArn: "nope"},
		"are the same secret":        {MasterSecretArn: app, AppSecretArn: app, AppUsername: "u", SessionKeysSecretArn: keys},
		"database_app_username":      {MasterSecretArn: master, AppSecretArn: app, SessionKeysSecretArn: keys},
	} {
		if _, err := Migrator(service(), s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: got %v, want %q", s, err, want)
		}
	}
	c := service()
	delete(c.Secrets, "DB_PASSWORD")
	if _, err := Migrator(c, good); err == nil || !strings.Contains(err.Error(), "no DB_PASSWORD secret") {
		t.Errorf("got %v", err)
	}
}

func TestStepsInOrderAsOneShellCommand(t *testing.T) {
	got := ShellCommand()
	want := []string{"sh", "-c", "node src/cli/db-release.js && node src/cli/grant-app-user.js && node src/cli/session-keys.js --if-empty"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%q", got)
	}
	if ValueFrom(taskdef.SecretRef{SecretArn: master, JSONKey: "password"}) != master+":password::" || ValueFrom(taskdef.SecretRef{SecretArn: keys}) != keys {
		t.Error("ValueFrom")
	}
	for _, v := range []string{master + ":password::", keys} {
		ref, err := taskdef.ParseSecretRef(v)
		if err != nil || ValueFrom(ref) != v {
			t.Errorf("%s round trip: %v %v", v, ref, err)
		}
	}
}
