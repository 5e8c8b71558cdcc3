// Package rollback holds the pure parts of restoring an earlier deploy's
// site: which bucket objects an index.html needs, so a rollback can refuse
// (naming the object) when the sync has pruned an asset the old page loads.
package rollback

import (
	"bytes"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/html"
)

// AssetRefs lists the bucket keys an index.html loads from the same site
// (script src, link href, img src, module preloads), sorted, without
// duplicates. Absolute URLs of other hosts, data: URLs and fragments are
// not objects of the bucket and are left out.
func AssetRefs(page []byte) []string {
	seen := map[string]bool{}
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken { // io.EOF or a broken page: what was read counts
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		tag := string(name)
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			attr := string(k)
			if !((tag == "script" || tag == "img") && attr == "src" || tag == "link" && attr == "href") {
				continue
			}
			if key, ok := bucketKey(string(v)); ok {
				seen[key] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func bucketKey(ref string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" {
		return "", false
	}
	key := strings.TrimPrefix(u.Path, "/")
	if key == "" || strings.HasPrefix(key, "../") {
		return "", false
	}
	return key, true
}
