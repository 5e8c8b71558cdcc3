package ecrauth

import (
	"encoding/base64"
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
