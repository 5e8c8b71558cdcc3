package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The mirror's registry refuses deletes: a build step on the host cannot
// remove an image (and push its own under the name) by deleting it first.
func TestRegistryConfigRefusesDeletes(t *testing.T) {
	cfg := config{Cache: t.TempDir()}
	var doc struct {
		Storage struct {
			Delete struct {
				Enabled bool `yaml:"enabled"`
			} `yaml:"delete"`
		} `yaml:"storage"`
		HTTP struct {
			Addr string `yaml:"addr"`
		} `yaml:"http"`
	}
	if err := yaml.Unmarshal([]byte(registryConfig(cfg, "172.17.0.1:5000")), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Storage.Delete.Enabled {
		t.Error("the registry's configuration enables deletes (storage.delete.enabled: true)")
	}
	if doc.HTTP.Addr != "172.17.0.1:5000" {
		t.Errorf("listens on %q", doc.HTTP.Addr)
	}
}

// registryRefusesDeletes tells a registry that refuses deletes (405, as
// distribution answers with storage.delete off; 403 from the read-only
// front) from one that accepts them
// (404 for the unknown digest it is asked about: nothing is ever deleted).
func TestRegistryRefusesDeletesProbe(t *testing.T) {
	for _, c := range []struct {
		status int
		want   bool
	}{{http.StatusMethodNotAllowed, true}, {http.StatusForbidden, true}, {http.StatusNotFound, false}, {http.StatusAccepted, false}} {
		var method, path string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			method, path = r.Method, r.URL.Path
			w.WriteHeader(c.status)
		}))
		got, err := registryRefusesDeletes(strings.TrimPrefix(srv.URL, "http://"))
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("answer %d: refuses deletes = %v, want %v", c.status, got, c.want)
		}
		if method != http.MethodDelete || !strings.HasSuffix(path, "/manifests/sha256:"+strings.Repeat("0", 64)) {
			t.Errorf("the probe sent %s %s; want a DELETE of an all-zero digest (which no image has)", method, path)
		}
	}
}
