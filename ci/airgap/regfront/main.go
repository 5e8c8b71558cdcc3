// Command regfront is the air-gapped mirror's front door. The registry that
// stores the mirror (Debian's docker-registry) listens on the host's loopback
// only, where the air-gapped tool pushes the images it builds; regfront
// listens where the engine reaches the mirror (docker0's address) and passes
// on reads (GET, HEAD) of every repository, but any write (a push, a blob
// upload, a delete) only under the writable repository prefixes: rehearsal/,
// the deploy rehearsal's ECR stand-in. So a container on the host, or a build
// step in the engine, cannot replace node:…, the terraform image or any other
// mirrored image by pushing its own under the name: it gets 403 DENIED, the
// error a registry answers a client with no right to push.
//
// Usage: regfront -listen 172.17.0.1:5000 -upstream http://127.0.0.1:5001 [-writable rehearsal/]
//
// Started and stopped by `go run ./ci/airgap up` (see ci/airgap/front.go).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
)

// Allowed says whether a request may pass: reads of anything, writes only to
// repositories under one of the writable prefixes ("rehearsal/"), and only on
// a path that reads as it is (no "..", no escaped characters that the
// registry would decode into another repository name).
func Allowed(method string, u *url.URL, writable []string) error {
	if method == http.MethodGet || method == http.MethodHead {
		return nil
	}
	p := u.Path
	if u.RawPath != "" || strings.Contains(p, "%") {
		return fmt.Errorf("%s %s: an escaped path is not accepted for a write", method, u.EscapedPath())
	}
	if strings.TrimSuffix(p, "/") != path.Clean(p) {
		return fmt.Errorf("%s %s: not a clean path", method, p)
	}
	for _, w := range writable {
		if w != "" && strings.HasPrefix(p, "/v2/"+w) {
			return nil
		}
	}
	return fmt.Errorf("%s %s: the mirror is read-only; only eventmall's air-gapped tool pushes its images (writable here: %s)", method, p, strings.Join(writable, ", "))
}

// Denied is the body a registry answers a write it refuses with.
func Denied(reason string) []byte {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": reason}}})
	return b
}

// Handler is the front: Allowed requests go to upstream with the client's
// Host kept (the registry builds upload Location URLs from it, so the client
// comes back through the front); others get 403 DENIED.
func Handler(upstream *url.URL, writable []string, logf func(string, ...any)) http.Handler {
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(upstream)
		pr.Out.Host = pr.In.Host
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := Allowed(r.Method, r.URL, writable); err != nil {
			logf("refused from %s: %v", r.RemoteAddr, err)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
			w.WriteHeader(http.StatusForbidden)
			w.Write(Denied(err.Error()))
			return
		}
		proxy.ServeHTTP(w, r)
	})
}

func main() {
	listen := flag.String("listen", "", "address to listen on (docker0's address and the mirror's port)")
	upstream := flag.String("upstream", "", "the mirror's registry, on loopback (http://127.0.0.1:PORT)")
	writable := flag.String("writable", "rehearsal/", "comma-separated repository prefixes that accept writes")
	flag.Parse()
	if *listen == "" || *upstream == "" {
		log.Fatal("regfront: -listen and -upstream are required")
	}
	up, err := url.Parse(*upstream)
	if err != nil || up.Host == "" {
		log.Fatalf("regfront: upstream %q is not a URL", *upstream)
	}
	var prefixes []string
	for _, p := range strings.Split(*writable, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if !strings.HasSuffix(p, "/") {
				log.Fatalf("regfront: writable prefix %q must end with / (a repository namespace)", p)
			}
			prefixes = append(prefixes, p)
		}
	}
	log.Printf("regfront: %s -> %s (read-only but %s)", *listen, up, strings.Join(prefixes, ", "))
	log.Fatal(http.ListenAndServe(*listen, Handler(up, prefixes, log.Printf)))
}
