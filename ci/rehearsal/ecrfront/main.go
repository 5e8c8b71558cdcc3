// Command ecrfront is the rehearsal's stand-in for one ECR behaviour the
// local registry lacks: tag immutability. It is a reverse proxy in front of
// the local registry (Docker distribution, which lets any tag be
// overwritten) that refuses, as an IMMUTABLE ECR repository does, a
// manifest push to a tag that already exists, even with the same digest:
// HTTP 400, error code TAG_INVALID. Everything else passes through.
//
// Limits (it is a stand-in, not ECR): no authentication of its own, and two
// concurrent first pushes of one tag may both pass.
//
// Usage: ecrfront -listen 127.0.0.1:5300 -upstream http://172.17.0.1:5000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"
)

// manifestAccept is every manifest media type the registry may hold.
const manifestAccept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, " +
	"application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json"

// TagPush reports whether a request pushes a manifest under a tag (not a
// digest), and which repository and tag: PUT /v2/<name>/manifests/<tag>.
func TagPush(method, path string) (repo, tag string, ok bool) {
	if method != http.MethodPut || !strings.HasPrefix(path, "/v2/") {
		return "", "", false
	}
	rest := strings.TrimPrefix(path, "/v2/")
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return "", "", false
	}
	repo, tag = rest[:i], rest[i+len("/manifests/"):]
	if tag == "" || strings.Contains(tag, "/") || strings.Contains(tag, ":") {
		return "", "", false // empty, or a digest (sha256:…)
	}
	return repo, tag, true
}

// TagInvalid is the body ECR answers a push to an existing immutable tag with.
func TagInvalid(repo, tag string) []byte {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{
		"code": "TAG_INVALID",
		"message": fmt.Sprintf("The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable.",
			tag, repo),
	}}})
	return b
}

func main() {
	listen := flag.String("listen", "127.0.0.1:5300", "address to listen on")
	upstream := flag.String("upstream", "http://127.0.0.1:5000", "the local registry")
	flag.Parse()
	up, err := url.Parse(*upstream)
	if err != nil {
		log.Fatalf("upstream %q: %v", *upstream, err)
	}
	proxy := httputil.NewSingleHostReverseProxy(up)
	direct := proxy.Director
	proxy.Director = func(r *http.Request) {
		host := r.Host
		direct(r)
		// The registry builds upload Location URLs from Host: keep the
		// client's, so it comes back through the front.
		r.Host = host
	}
	client := &http.Client{Timeout: 30 * time.Second}
	exists := func(repo, tag string) (bool, error) {
		req, _ := http.NewRequest(http.MethodHead, up.JoinPath("v2", repo, "manifests", tag).String(), nil)
		req.Header.Set("Accept", manifestAccept)
		resp, err := client.Do(req)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			return true, nil
		case http.StatusNotFound:
			return false, nil
		}
		return false, fmt.Errorf("HEAD %s:%s: status %d", repo, tag, resp.StatusCode)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if repo, tag, ok := TagPush(r.Method, r.URL.Path); ok {
			found, err := exists(repo, tag)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			if found {
				log.Printf("refused: %s:%s exists (immutable)", repo, tag)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				w.Write(TagInvalid(repo, tag))
				return
			}
			log.Printf("push: %s:%s", repo, tag)
		}
		proxy.ServeHTTP(w, r)
	})
	log.Printf("ecrfront: %s -> %s (immutable tags)", *listen, up)
	log.Fatal(http.ListenAndServe(*listen, handler))
}
