package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeMirror answers manifest HEADs like distribution does: the digest of
// what a tag points at, in Docker-Content-Digest.
type fakeMirror struct {
	mu   sync.Mutex
	tags map[string]string // "repo:tag" -> digest
}

func (f *fakeMirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v2/")
	repo, tag, ok := strings.Cut(path, "/manifests/")
	f.mu.Lock()
	d, found := f.tags[repo+":"+tag]
	f.mu.Unlock()
	if !ok || r.Method != http.MethodHead || !found {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.Header().Set("Docker-Content-Digest", d)
	w.WriteHeader(http.StatusOK)
}

func (f *fakeMirror) set(ref, digest string) {
	repo, tag, _ := mirrorPath(ref)
	f.mu.Lock()
	f.tags[repo+":"+tag] = digest
	f.mu.Unlock()
}

func fakeDigest(c byte) string { return "sha256:" + strings.Repeat(string(c), 64) }

// The mirror's digests are recorded when the tool pushes, and checked on
// every up (and by env, status, dagger): an image replaced in the mirror by
// anything but the tool (a container pushing node:… or the engine image)
// is refused by name, with the digest built and the one now served.
func TestMirrorDigestsRecordedAndVerified(t *testing.T) {
	fake := &fakeMirror{tags: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	reg := strings.TrimPrefix(srv.URL, "http://")
	cfg := config{Cache: t.TempDir()}

	for _, r := range recipes {
		fake.set(r.Ref, fakeDigest('a'))
		if err := recordDigest(cfg, reg, r.Ref); err != nil {
			t.Fatalf("recording %s: %v", r.Ref, err)
		}
	}
	if err := verifyMirrorDigests(cfg, reg, false); err != nil {
		t.Fatalf("an untouched mirror fails verification: %v", err)
	}

	const victim = "node:22.23.3-bookworm-slim"
	fake.set(victim, fakeDigest('b'))
	err := verifyMirrorDigests(cfg, reg, false)
	if err == nil {
		t.Fatal("an image replaced in the mirror passed verification")
	}
	for _, want := range []string{victim, fakeDigest('a'), fakeDigest('b')} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %s: %v", want, err)
		}
	}

	// An image pushed before digests were recorded: up records what the
	// mirror serves (trust on first use), readiness checks do not write.
	fresh := config{Cache: t.TempDir()}
	if err := verifyMirrorDigests(fresh, reg, false); err != nil {
		t.Fatalf("no record yet must not fail readiness: %v", err)
	}
	if _, ok := recordedDigest(fresh, victim); ok {
		t.Fatal("a readiness check wrote a digest record")
	}
	if err := verifyMirrorDigests(fresh, reg, true); err != nil {
		t.Fatal(err)
	}
	if d, ok := recordedDigest(fresh, victim); !ok || d != fakeDigest('b') {
		t.Fatalf("up did not record the digest served: %q %v", d, ok)
	}
}
