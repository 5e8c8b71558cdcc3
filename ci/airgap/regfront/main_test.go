package main

import (
	"net/url"
	"testing"
)

func TestAllowed(t *testing.T) {
	writable := []string{"rehearsal/"}
	for _, c := range []struct {
		method, target string
		ok             bool
	}{
		// reads of anything
		{"GET", "/v2/", true},
		{"GET", "/v2/library/node/manifests/22.23.3-bookworm-slim", true},
		{"HEAD", "/v2/hashicorp/terraform/manifests/1.5.7", true},
		{"GET", "/v2/library/node/blobs/sha256:00", true},
		// writes to the ECR stand-in
		{"POST", "/v2/rehearsal/eventmall-backend/blobs/uploads/", true},
		{"POST", "/v2/rehearsal/eventmall-backend/blobs/uploads/?mount=sha256:00&from=library/node", true},
		{"PATCH", "/v2/rehearsal/eventmall-backend/blobs/uploads/3f0c", true},
		{"PUT", "/v2/rehearsal/eventmall-backend/manifests/img-0123", true},
		// writes to the mirror's images, however spelled
		{"PUT", "/v2/library/node/manifests/22.23.3-bookworm-slim", false},
		{"POST", "/v2/library/node/blobs/uploads/", false},
		{"PATCH", "/v2/hashicorp/terraform/blobs/uploads/1", false},
		{"DELETE", "/v2/library/debian/manifests/sha256:00", false},
		{"PUT", "/v2/rehearsal/../library/node/manifests/22", false},
		{"PUT", "/v2/rehearsal%2F..%2Flibrary/node/manifests/22", false},
		{"PUT", "/v2/rehearsalx/node/manifests/22", false},
		{"PUT", "/v2//rehearsal/x/manifests/1", false},
		{"POST", "/v2/", false},
		{"OPTIONS", "/v2/library/node/manifests/22", false},
	} {
		u, err := url.Parse(c.target)
		if err != nil {
			t.Fatal(err)
		}
		err = Allowed(c.method, u, writable)
		if (err == nil) != c.ok {
			t.Errorf("%s %s: allowed=%v (%v), want %v", c.method, c.target, err == nil, err, c.ok)
		}
	}
}
