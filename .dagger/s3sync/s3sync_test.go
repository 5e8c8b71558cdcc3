package s3sync

import (
	"reflect"
	"testing"
	"time"
)

func TestCacheControl(t *testing.T) {
	cases := map[string]string{
		"assets/index-BX3q9_Ab.js":    ImmutableCacheControl,
		"assets/index-0a1b2c3d.css":   ImmutableCacheControl,
		"assets/logo.svg":             RevalidateCacheControl, // no hash: may change in place
		"index.html":                  RevalidateCacheControl,
		"favicon.ico":                 RevalidateCacheControl,
		"assets-Abcdefgh.js":          RevalidateCacheControl, // hash but not under assets/
		"assets/nested/x-Zz09Zz09.js": ImmutableCacheControl,
	}
	for key, want := range cases {
		if got := CacheControl(key); got != want {
			t.Errorf("CacheControl(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestContentType(t *testing.T) {
	cases := map[string]string{
		"index.html":            "text/html; charset=utf-8",
		"assets/a-12345678.js":  "text/javascript; charset=utf-8",
		"assets/a-12345678.CSS": "text/css; charset=utf-8",
		"img/p.webp":            "image/webp",
		"site.webmanifest":      "application/manifest+json",
		"blob.unknownext":       "application/octet-stream",
	}
	for key, want := range cases {
		if got := ContentType(key); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestMakePlan(t *testing.T) {
	now := time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC)
	local := []LocalFile{
		{Key: "index.html", Size: 10, MD5: "aa"},
		{Key: "assets/index-NEWHASH1.js", Size: 100, MD5: "bb"},
		{Key: "assets/index-SAMEHASH.css", Size: 50, MD5: "cc"},
		{Key: "robots.txt", Size: 5, MD5: "dd"},
	}
	remote := []RemoteObject{
		{Key: "index.html", ETag: `"00"`, Size: 10},                                                       // changed
		{Key: "assets/index-SAMEHASH.css", ETag: `"CC"`, Size: 50},                                        // same (case-insensitive)
		{Key: "robots.txt", ETag: `"dd"`, Size: 5},                                                        // same
		{Key: "assets/index-OLDHASH1.js", ETag: `"ee"`, Size: 90, LastModified: now.Add(-2 * time.Hour)},  // recent: kept
		{Key: "assets/index-OLDHASH0.js", ETag: `"ff"`, Size: 90, LastModified: now.Add(-72 * time.Hour)}, // old: pruned
		{Key: "old-page.html", ETag: `"11"`, Size: 3},                                                     // stale, cached: prune + invalidate
	}
	p := MakePlan(local, remote, Options{Now: now, AssetGrace: 24 * time.Hour})

	var order []string
	for _, u := range p.Uploads {
		order = append(order, u.Key)
	}
	if want := []string{"assets/index-NEWHASH1.js", "index.html"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("upload order = %v, want %v (assets first, index last)", order, want)
	}
	if p.Uploads[1].CacheControl != RevalidateCacheControl || p.Uploads[0].CacheControl != ImmutableCacheControl {
		t.Errorf("headers wrong: %+v", p.Uploads)
	}
	if want := []string{"assets/index-SAMEHASH.css", "robots.txt"}; !reflect.DeepEqual(p.Unchanged, want) {
		t.Errorf("unchanged = %v, want %v", p.Unchanged, want)
	}
	if want := []string{"assets/index-OLDHASH0.js", "old-page.html"}; !reflect.DeepEqual(p.Prune, want) {
		t.Errorf("prune = %v, want %v", p.Prune, want)
	}
	if want := []string{"assets/index-OLDHASH1.js"}; !reflect.DeepEqual(p.Kept, want) {
		t.Errorf("kept = %v, want %v", p.Kept, want)
	}
	if want := []string{"/", "/index.html", "/old-page.html"}; !reflect.DeepEqual(p.Invalidate, want) {
		t.Errorf("invalidate = %v, want %v", p.Invalidate, want)
	}
}

func TestMakePlanNothingChanged(t *testing.T) {
	local := []LocalFile{{Key: "index.html", Size: 1, MD5: "aa"}}
	remote := []RemoteObject{{Key: "index.html", ETag: `"aa"`, Size: 1}}
	p := MakePlan(local, remote, Options{})
	if !p.Empty() || len(p.Invalidate) != 0 {
		t.Fatalf("expected an empty plan, got %+v", p)
	}
}

func TestFirstDeployInvalidatesNothing(t *testing.T) {
	p := MakePlan([]LocalFile{{Key: "index.html", Size: 1, MD5: "aa"}}, nil, Options{})
	if len(p.Uploads) != 1 || len(p.Invalidate) != 0 {
		t.Fatalf("first deploy: %+v", p)
	}
}

func TestManyPathsCollapseToWildcard(t *testing.T) {
	var local []LocalFile
	var remote []RemoteObject
	for i := 0; i < 20; i++ {
		k := string(rune('a'+i)) + ".html"
		local = append(local, LocalFile{Key: k, Size: 1, MD5: "new"})
		remote = append(remote, RemoteObject{Key: k, ETag: `"old"`, Size: 1})
	}
	p := MakePlan(local, remote, Options{})
	if !reflect.DeepEqual(p.Invalidate, []string{"/*"}) {
		t.Fatalf("invalidate = %v, want [/*]", p.Invalidate)
	}
}
