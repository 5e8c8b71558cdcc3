package ecrauth

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	c, err := Decode(base64.StdEncoding.EncodeToString([]byte("AWS:pa:ss=word")))
	if err != nil || c.Username != "AWS" || c.Password != "pa:ss=word" {
		t.Fatalf("Decode = %+v, %v", c, err)
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString([]byte("nocolon")), base64.StdEncoding.EncodeToString([]byte("AWS:"))} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q) accepted a bad token", bad)
		}
	}
}

func TestRegistryHost(t *testing.T) {
	h, err := RegistryHost("registry.example/eventmall-backend")
	if err != nil || h != "registry.example" {
		t.Fatalf("RegistryHost = %q, %v", h, err)
	}
	if h, _ := RegistryHost("172.17.0.1:5000/rehearsal/backend"); h != "172.17.0.1:5000" {
		t.Fatalf("host with port: %q", h)
	}
	for _, bad := range []string{"", "nohost", "host/", "host/name:tag"} {
		if _, err := RegistryHost(bad); err == nil {
			t.Errorf("RegistryHost(%q) accepted", bad)
		}
	}
}

func TestDigestRef(t *testing.T) {
	d := "sha256:" + strings.Repeat("a", 64)
	got, err := DigestRef("r.example/app", "r.example/app:1@"+d)
	if err != nil || got != "r.example/app@"+d {
		t.Fatalf("DigestRef = %q, %v", got, err)
	}
	if _, err := DigestRef("r.example/app", "r.example/app:1"); err == nil {
		t.Fatal("accepted a reference without digest")
	}
}

func TestContentTag(t *testing.T) {
	fs := "sha256:" + strings.Repeat("ab", 32)
	base := ImageConfig{Env: []string{"NODE_ENV=production", "PORT=8080"}, Cmd: []string{"node", "src/server.js"}, User: "node", Workdir: "/app", Ports: []string{"8080/TCP"}}
	tag, err := ContentTag(fs, base)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^img-[0-9a-f]{16}$`).MatchString(tag) {
		t.Fatalf("tag %q is not img-<16 hex>", tag)
	}
	again, _ := ContentTag(fs, base)
	if again != tag {
		t.Fatalf("the same image got two tags: %s, %s", tag, again)
	}
	// Any change of what the image holds or how it runs is another tag.
	other := map[string]func() (string, ImageConfig){
		"file system": func() (string, ImageConfig) { return "sha256:" + strings.Repeat("cd", 32), base },
		"env": func() (string, ImageConfig) {
			c := base
			c.Env = []string{"NODE_ENV=production", "PORT=8081"}
			return fs, c
		},
		"cmd": func() (string, ImageConfig) {
			c := base
			c.Cmd = []string{"node", "src/cli/db-release.js"}
			return fs, c
		},
		"user":    func() (string, ImageConfig) { c := base; c.User = "root"; return fs, c },
		"workdir": func() (string, ImageConfig) { c := base; c.Workdir = "/"; return fs, c },
		"ports":   func() (string, ImageConfig) { c := base; c.Ports = nil; return fs, c },
		// the same words split across fields must not collide
		"entrypoint vs cmd": func() (string, ImageConfig) {
			c := base
			c.Entrypoint = []string{"node"}
			c.Cmd = []string{"src/server.js"}
			return fs, c
		},
	}
	for name, f := range other {
		d, c := f()
		got, err := ContentTag(d, c)
		if err != nil {
			t.Fatal(name, err)
		}
		if got == tag {
			t.Errorf("%s changed, the tag did not (%s)", name, tag)
		}
	}
	if _, err := ContentTag("sha256:short", base); err == nil || !strings.Contains(err.Error(), "sha256:short") {
		t.Errorf("a malformed digest: want an error naming it, got %v", err)
	}
}
