// Package catalogue decides a deploy's fast path for the day's catalogue:
// when the code (the source without backend/catalog) is the one the last
// successful deploy shipped and only the catalogue changed, the deploy
// publishes the catalogue as validated data and loads it with the running
// image, instead of testing, building, pushing and rolling out anew. Pure
// functions; changes.go reads the digests and the history, deploy.go acts.
//
// The catalogue object is content-addressed: its name is the sha256 of its
// bytes (<environment>/catalogue/<sha256>.json in the state bucket), and the
// backend's loader (backend/src/catalog/object.js) refuses bytes that do not
// match the name before it validates them again.
package catalogue

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"dagger/eventmall/history"
)

// Format names the object's layout; the backend refuses another.
const Format = "eventmall-catalogue/1"

// Dir is the catalogue's folder in the repository; the code digest is of
// the source without it.
const Dir = "backend/catalog"

// Object is the catalogue as published: the catalogue files' exact bytes
// by name, in one JSON document, and the sha256 of that document.
type Object struct {
	Bytes  []byte
	Digest string
}

// NewObject builds the object of the catalogue files (name → bytes; names
// are plain *.json file names, as in backend/catalog).
func NewObject(files map[string][]byte) (Object, error) {
	if len(files) == 0 {
		return Object{}, fmt.Errorf("catalogue: no *.json file in %s", Dir)
	}
	doc := struct {
		Format string            `json:"format"`
		Files  map[string]string `json:"files"`
	}{Format: Format, Files: map[string]string{}}
	for name, b := range files {
		if path.Base(name) != name || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			return Object{}, fmt.Errorf("catalogue: %q is not a *.json file name of %s", name, Dir)
		}
		doc.Files[name] = string(b)
	}
	// encoding/json writes map keys sorted: the same files, the same bytes.
	b, err := json.Marshal(doc)
	if err != nil {
		return Object{}, err
	}
	sum := sha256.Sum256(b)
	return Object{Bytes: b, Digest: hex.EncodeToString(sum[:])}, nil
}

// Key is where the object lives in the state bucket.
func (o Object) Key(environment string) string { return Key(environment, o.Digest) }

// Key is <environment>/catalogue/<sha256>.json.
func Key(environment, digest string) string {
	return path.Join(environment, "catalogue", digest+".json")
}

// Mode is what a deploy does.
type Mode int

const (
	// Full: tests, builds, the stack graph, db-release, the rollout.
	Full Mode = iota
	// CatalogueOnly: validate-catalog, publish-catalogue, load-catalogue
	// with the running image; no test, build, push or rollout.
	CatalogueOnly
)

func (m Mode) String() string {
	if m == CatalogueOnly {
		return "catalogue-only"
	}
	return "full"
}

// Inputs are what the decision reads: the last successful deploy or
// rollback (HasLast false: none), this source's digests, --full-plan.
type Inputs struct {
	Last      history.Record
	HasLast   bool
	Code      string
	Catalogue string
	FullPlan  bool
}

// Decision is the mode and why, for the changes stage's detail.
type Decision struct {
	Mode Mode
	// Since is the deploy whose code and image a catalogue-only deploy keeps.
	Since  string
	Reason string
}

// Decide chooses the mode. A catalogue-only deploy needs a last successful
// deploy (not a rollback: its image is an older source's) that recorded
// both digests, its image and its index.html, with this code digest and
// another catalogue digest. Same code means the running image was built
// from this code, so its loader reads the published object.
func Decide(in Inputs) Decision {
	full := func(why string) Decision { return Decision{Mode: Full, Reason: "full deploy: " + why} }
	l := in.Last
	switch {
	case in.FullPlan:
		return full("--full-plan")
	case !in.HasLast:
		return full("no successful deploy in the history")
	case l.Kind != history.KindDeploy:
		return full(fmt.Sprintf("the running release %s is a %s (its image is not built from this code)", l.ID, l.Kind))
	case l.CodeDigest == "" || l.CatalogueDigest == "":
		return full(fmt.Sprintf("deploy %s recorded no code and catalogue digests", l.ID))
	case l.CodeDigest != in.Code:
		return full(fmt.Sprintf("the code changed since deploy %s", l.ID))
	case l.CatalogueDigest == in.Catalogue:
		return full(fmt.Sprintf("code and catalogue unchanged since deploy %s (unchanged stacks and steps skip on their own)", l.ID))
	case l.Image == "":
		return full(fmt.Sprintf("deploy %s recorded no image", l.ID))
	case l.Site.IndexVersionID == "":
		return full(fmt.Sprintf("deploy %s recorded no index.html version", l.ID))
	}
	return Decision{Mode: CatalogueOnly, Since: l.ID, Reason: fmt.Sprintf("catalogue only: the code is that of deploy %s, the catalogue changed (%s → %s)", l.ID, short(l.CatalogueDigest), short(in.Catalogue))}
}

// Skip is the reason a catalogue-only deploy gives for leaving a stage out
// ("" in a full deploy: nothing is left out here).
func (d Decision) Skip(stage string) string {
	if d.Mode != CatalogueOnly {
		return ""
	}
	why := map[string]string{
		"test-backend":     "the backend's code is that of deploy %s, whose tests passed",
		"test-frontend":    "the frontend's code is that of deploy %s, whose tests passed",
		"terraform-policy": "terraform/ is that of deploy %s, whose policy checks passed",
		"build-frontend":   "the site is that of deploy %s",
		"backend-image":    "the running image (deploy %s) is built from this code",
		"sync-frontend":    "the site bucket holds deploy %s's build",
		"publish-backend":  "the running image of deploy %s is kept, nothing built or pushed",
		"db-release":       "no new image, no migration; the catalogue is loaded by load-catalogue (code of deploy %s)",
		"screenshot":       "the shop's code and site are those of deploy %s; only prices and products changed (checked by the smoke test)",
	}[stage]
	if why == "" {
		// validate-catalog, the stacks, the rollout's checks, the smoke
		// test: they run (a stack unchanged since that deploy skips on its own).
		return ""
	}
	return "skipped: catalogue-only change; " + fmt.Sprintf(why, d.Since)
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}
