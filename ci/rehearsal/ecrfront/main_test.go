package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestTagPush(t *testing.T) {
	cases := []struct {
		method, path string
		repo, tag    string
		ok           bool
	}{
		{"PUT", "/v2/rehearsal/eventmall-backend/manifests/src-0123abcd", "rehearsal/eventmall-backend", "src-0123abcd", true},
		{"PUT", "/v2/a/manifests/latest", "a", "latest", true},
		{"PUT", "/v2/rehearsal/eventmall-backend/manifests/sha256:" + strings.Repeat("a", 64), "", "", false},
		{"HEAD", "/v2/a/manifests/latest", "", "", false},
		{"GET", "/v2/a/manifests/latest", "", "", false},
		{"PUT", "/v2/a/blobs/uploads/123", "", "", false},
		{"PUT", "/v2/manifests/x", "", "", false},
	}
	for _, c := range cases {
		repo, tag, ok := TagPush(c.method, c.path)
		if repo != c.repo || tag != c.tag || ok != c.ok {
			t.Errorf("TagPush(%s %s) = %q %q %v; want %q %q %v", c.method, c.path, repo, tag, ok, c.repo, c.tag, c.ok)
		}
	}
	if !strings.Contains(string(TagInvalid("r", "t")), `"code":"TAG_INVALID"`) || http.StatusBadRequest != 400 {
		t.Fatal("TagInvalid body")
	}
}
