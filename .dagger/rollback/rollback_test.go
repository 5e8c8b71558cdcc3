package rollback

import (
	"reflect"
	"testing"
)

func TestAssetRefs(t *testing.T) {
	page := []byte(`<!doctype html><html><head>
<script type="module" crossorigin src="/assets/index-B1x2.js"></script>
<link rel="modulepreload" crossorigin href="/assets/vendor-9f.js">
<link rel="stylesheet" crossorigin href="/assets/index-C3.css?v=1">
<link rel="icon" href="favicon.svg">
<link rel="preconnect" href="https://fonts.example.com">
<script src="data:text/javascript,1"></script>
</head><body><div id="root"></div><img src="/assets/index-B1x2.js"><a href="/assets/not-loaded.js">x</a></body></html>`)
	got := AssetRefs(page)
	want := []string{"assets/index-B1x2.js", "assets/index-C3.css", "assets/vendor-9f.js", "favicon.svg"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := AssetRefs([]byte("not html at all")); len(got) != 0 {
		t.Fatalf("text: %v", got)
	}
}
