// Package s3sync decides what a deploy of a static site to S3 must do:
// which files to upload (and with which headers), which stale objects to
// prune, and which CloudFront paths to invalidate. It holds no AWS client;
// the module's aws.go carries the plan out with aws-sdk-go-v2.
package s3sync

import (
	"mime"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
)

const (
	// ImmutableCacheControl is sent for content-hashed assets: their name
	// changes whenever their bytes do, so browsers and CloudFront may keep
	// them for a year without revalidating.
	ImmutableCacheControl = "public, max-age=31536000, immutable"
	// RevalidateCacheControl is sent for everything else, index.html above
	// all: it names the current assets and must be fetched fresh each time.
	RevalidateCacheControl = "no-cache"

	// IndexKey is the entry point; it is uploaded last so it never names an
	// asset that is not in the bucket yet.
	IndexKey = "index.html"

	// maxInvalidationPaths: past this many paths one wildcard is cheaper
	// (CloudFront bills per path; a wildcard counts as one).
	maxInvalidationPaths = 15
)

// hashedAsset matches Vite's output names, e.g. assets/index-BX3q9_Ab.js.
var hashedAsset = regexp.MustCompile(`^assets/.+[-.][A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$`)

// LocalFile is one file of the build output.
type LocalFile struct {
	Key  string // slash-separated path relative to the site root
	Size int64
	MD5  string // lower-case hex digest of the content
}

// RemoteObject is one object already in the bucket.
type RemoteObject struct {
	Key          string
	ETag         string // as S3 returns it, quotes included
	Size         int64
	LastModified time.Time
}

// Upload is a file to put, with the headers it must carry.
type Upload struct {
	LocalFile
	ContentType  string
	CacheControl string
}

// Plan is what a sync does, in the order it must be done.
type Plan struct {
	// Uploads: immutable assets first, then other files, index.html last.
	Uploads []Upload
	// Unchanged keys are left alone.
	Unchanged []string
	// Prune: stale objects to delete once the new index is live and the
	// invalidation has completed.
	Prune []string
	// Kept: stale hashed assets kept for the grace period, because pages
	// loaded before the deploy may still ask for them.
	Kept []string
	// Invalidate: CloudFront paths whose cached copy is now wrong.
	Invalidate []string
}

// Options tune a plan.
type Options struct {
	// Now is the time the plan is made (injected for tests).
	Now time.Time
	// AssetGrace keeps stale hashed assets younger than this.
	AssetGrace time.Duration
}

// IsImmutable reports whether key is a content-hashed asset.
func IsImmutable(key string) bool { return hashedAsset.MatchString(key) }

// CacheControl returns the Cache-Control header for key.
func CacheControl(key string) string {
	if IsImmutable(key) {
		return ImmutableCacheControl
	}
	return RevalidateCacheControl
}

var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".gif":         "image/gif",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".txt":         "text/plain; charset=utf-8",
	".xml":         "application/xml",
}

// ContentType returns the Content-Type for key, from a fixed table first so
// the result does not depend on the machine's mime database.
func ContentType(key string) string {
	ext := strings.ToLower(path.Ext(key))
	if ct, ok := contentTypes[ext]; ok {
		return ct
	}
	if ct := mime.TypeByExtension(ext); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// NormalizeETag strips the quotes S3 puts around an ETag.
func NormalizeETag(etag string) string { return strings.ToLower(strings.Trim(etag, `"`)) }

// MakePlan compares the build output with the bucket.
// Objects are equal when the single-part ETag equals the local MD5; the
// module uploads with single PUTs, so that holds for what it wrote.
func MakePlan(local []LocalFile, remote []RemoteObject, opts Options) Plan {
	remoteByKey := make(map[string]RemoteObject, len(remote))
	for _, o := range remote {
		remoteByKey[o.Key] = o
	}
	localKeys := make(map[string]bool, len(local))

	var p Plan
	for _, f := range local {
		localKeys[f.Key] = true
		if o, ok := remoteByKey[f.Key]; ok && NormalizeETag(o.ETag) == strings.ToLower(f.MD5) && o.Size == f.Size {
			p.Unchanged = append(p.Unchanged, f.Key)
			continue
		}
		p.Uploads = append(p.Uploads, Upload{LocalFile: f, ContentType: ContentType(f.Key), CacheControl: CacheControl(f.Key)})
		if _, existed := remoteByKey[f.Key]; existed && !IsImmutable(f.Key) {
			p.Invalidate = append(p.Invalidate, "/"+f.Key)
			if f.Key == IndexKey {
				p.Invalidate = append(p.Invalidate, "/")
			}
		}
	}
	for _, o := range remote {
		if localKeys[o.Key] {
			continue
		}
		if IsImmutable(o.Key) {
			if opts.AssetGrace > 0 && opts.Now.Sub(o.LastModified) < opts.AssetGrace {
				p.Kept = append(p.Kept, o.Key)
				continue
			}
		} else {
			p.Invalidate = append(p.Invalidate, "/"+o.Key)
		}
		p.Prune = append(p.Prune, o.Key)
	}

	sort.SliceStable(p.Uploads, func(i, j int) bool {
		ri, rj := uploadRank(p.Uploads[i].Key), uploadRank(p.Uploads[j].Key)
		if ri != rj {
			return ri < rj
		}
		return p.Uploads[i].Key < p.Uploads[j].Key
	})
	sort.Strings(p.Unchanged)
	sort.Strings(p.Prune)
	sort.Strings(p.Kept)
	p.Invalidate = compactPaths(p.Invalidate)
	return p
}

func uploadRank(key string) int {
	switch {
	case IsImmutable(key):
		return 0
	case key == IndexKey:
		return 2
	default:
		return 1
	}
}

func compactPaths(paths []string) []string {
	if len(paths) == 0 {
		return nil
	}
	sort.Strings(paths)
	out := paths[:0]
	for i, p := range paths {
		if i == 0 || p != paths[i-1] {
			out = append(out, p)
		}
	}
	if len(out) > maxInvalidationPaths {
		return []string{"/*"}
	}
	return out
}

// Empty reports whether the sync has nothing to do.
func (p Plan) Empty() bool { return len(p.Uploads) == 0 && len(p.Prune) == 0 }
