// Package history is the record of what was deployed: one JSON document per
// deploy or rollback (who, what, which digests, each stage's result and
// plan summary, how long, how it ended), kept next to the Terraform state
// under <environment>/history/. Rollback reads it to know where to go back to.
package history

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// Kinds of record.
const (
	KindDeploy   = "deploy"
	KindRollback = "rollback"
)

// Outcomes.
const (
	Succeeded = "succeeded"
	Failed    = "failed"
)

// Stage is one stage's result.
type Stage struct {
	Name    string  `json:"name"`
	Status  string  `json:"status"`
	Seconds float64 `json:"seconds"`
	Detail  string  `json:"detail,omitempty"`
}

// Plan is a stack's plan as the deploy saw it.
type Plan struct {
	Summary     string `json:"summary"`
	Fingerprint string `json:"fingerprint,omitempty"`
	Applied     bool   `json:"applied"`
	// Inputs is a digest of the stack's Terraform code and effective
	// inputs; StateVersion the state object's version the deploy left.
	// Together they let the next deploy skip a stack nothing touched.
	Inputs       string `json:"inputs,omitempty"`
	StateVersion string `json:"stateVersion,omitempty"`
	// Skipped: not planned, unchanged since the deploy named here.
	SkippedSince string `json:"skippedSince,omitempty"`
}

// Unchanged says whether a stack can be skipped: the last successful
// deploy left it at stateVersion with the same code and inputs digest.
// It returns the deploy the stack is unchanged since.
func Unchanged(last Record, stack, inputs, stateVersion string) (since string, ok bool) {
	p, found := last.Plans[stack]
	if !found || p.Inputs == "" || p.StateVersion == "" || inputs == "" || stateVersion == "" {
		return "", false
	}
	if p.Inputs != inputs || p.StateVersion != stateVersion {
		return "", false
	}
	since = last.ID
	if p.SkippedSince != "" {
		since = p.SkippedSince
	}
	return since, true
}

// Site is the frontend as the deploy left it.
type Site struct {
	Bucket string `json:"bucket,omitempty"`
	// VersionID of index.html in the versioned site bucket.
	IndexVersionID string `json:"indexVersionId,omitempty"`
	IndexETag      string `json:"indexEtag,omitempty"`
	DistributionID string `json:"distributionId,omitempty"`
	SiteURL        string `json:"siteUrl,omitempty"`
}

// Record is one deploy or rollback.
type Record struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Environment string `json:"environment"`
	Region      string `json:"region,omitempty"`
	// Revision is the source's content digest (short).
	Revision string `json:"revision"`
	// CISubject is who ran it: the AWS caller identity the CI's OIDC role gave.
	CISubject  string    `json:"ciSubject,omitempty"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
	Seconds    float64   `json:"seconds"`
	Outcome    string    `json:"outcome"`
	// FailedStage names the stage that stopped it.
	FailedStage string `json:"failedStage,omitempty"`
	// Image is the service's image, repository@sha256:digest.
	Image string `json:"image,omitempty"`
	// Cluster and Service name the ECS service (for a rollback's wait).
	Cluster string          `json:"cluster,omitempty"`
	Service string          `json:"service,omitempty"`
	Site    Site            `json:"site"`
	Stages  []Stage         `json:"stages"`
	Plans   map[string]Plan `json:"plans,omitempty"`
	// BreakGlass is the reason given to deploy inside a freeze.
	BreakGlass string `json:"breakGlass,omitempty"`
	// AcceptedNewPlan lists the stacks applied although their plan differed
	// from the reviewed one (--accept-new-plan).
	AcceptedNewPlan []string `json:"acceptedNewPlan,omitempty"`
	// RollbackTo is the deploy a rollback restored.
	RollbackTo string `json:"rollbackTo,omitempty"`
	// Skipped names what the deploy did not do, and why.
	Skipped []string `json:"skipped,omitempty"`
	// CodeDigest is a digest of the source without backend/catalog,
	// CatalogueDigest the sha256 of the catalogue object (package
	// catalogue): the next deploy compares them to take the catalogue's
	// fast path. Mode is "full" or "catalogue-only".
	CodeDigest      string `json:"codeDigest,omitempty"`
	CatalogueDigest string `json:"catalogueDigest,omitempty"`
	Mode            string `json:"mode,omitempty"`
	// CatalogueObject is the published catalogue, s3://bucket/key, when
	// this deploy loaded one (catalogue-only).
	CatalogueObject string `json:"catalogueObject,omitempty"`
}

// Prefix is the folder of an environment's records in the state bucket.
func Prefix(environment string) string { return path.Join(environment, "history") + "/" }

// Key is where a record lives in the state bucket.
func Key(environment, id string) string { return Prefix(environment) + id + ".json" }

// NewID returns a record id that sorts by time: 20261203T221530Z-1a2b.
func NewID(now time.Time) string {
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// Encode is the stored form.
func Encode(r Record) ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// Decode reads a stored record; name is for the error.
func Decode(name string, b []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("history record %s: %w", name, err)
	}
	if r.ID == "" || r.Kind == "" {
		return r, fmt.Errorf("history record %s: no id or kind", name)
	}
	return r, nil
}

// Newest sorts records newest first (ids sort by time).
func Newest(rs []Record) []Record {
	out := append([]Record(nil), rs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out
}

// Find returns the record with id.
func Find(rs []Record, id string) (Record, bool) {
	for _, r := range rs {
		if r.ID == id {
			return r, true
		}
	}
	return Record{}, false
}

// LastGood returns the newest successful record (deploy or rollback): what
// is running now.
func LastGood(rs []Record) (Record, bool) {
	for _, r := range Newest(rs) {
		if r.Outcome == Succeeded {
			return r, true
		}
	}
	return Record{}, false
}

// RollbackTarget chooses what a rollback restores: the record named by to,
// or else the successful deploy before the one running now. The target must
// have succeeded and carry an image and an index.html version.
func RollbackTarget(rs []Record, to string) (target, current Record, err error) {
	current, ok := LastGood(rs)
	if !ok {
		return target, current, fmt.Errorf("rollback: no successful deploy in the history; nothing to roll back from")
	}
	if to != "" {
		t, ok := Find(rs, to)
		if !ok {
			return target, current, fmt.Errorf("rollback: no record %q in the history (dagger call history lists them)", to)
		}
		target = t
	} else {
		// What ran before the current one; when the current one is itself a
		// rollback, what ran before the deploy it restored. Deploys of the
		// same image and site as the current one are passed over.
		ref := current.ID
		if current.Kind == KindRollback && current.RollbackTo != "" {
			ref = current.RollbackTo
		}
		found := false
		for _, r := range Newest(rs) {
			if r.ID >= ref || r.Outcome != Succeeded || r.Kind != KindDeploy {
				continue
			}
			if SameRelease(r, current) {
				continue
			}
			target, found = r, true
			break
		}
		if !found {
			return target, current, fmt.Errorf("rollback: no successful deploy before %s that differs from it", current.ID)
		}
	}
	switch {
	case target.Outcome != Succeeded:
		return target, current, fmt.Errorf("rollback: record %s %s (at stage %s); roll back to a successful deploy", target.ID, target.Outcome, target.FailedStage)
	case target.Image == "":
		return target, current, fmt.Errorf("rollback: record %s has no image digest", target.ID)
	case target.Site.IndexVersionID == "":
		return target, current, fmt.Errorf("rollback: record %s has no index.html version", target.ID)
	}
	return target, current, nil
}

// SameRelease reports whether two records left the same image and the same
// index.html (by content digest when both know it, else by version).
func SameRelease(a, b Record) bool {
	if a.Image != b.Image {
		return false
	}
	if a.Site.IndexETag != "" && b.Site.IndexETag != "" {
		return a.Site.IndexETag == b.Site.IndexETag
	}
	return a.Site.IndexVersionID == b.Site.IndexVersionID
}

// Table renders records newest first, at most limit (0: all).
func Table(rs []Record, limit int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %-8s %-9s %-12s %7s  %-19s %s\n", "ID", "KIND", "OUTCOME", "REVISION", "SECONDS", "IMAGE", "NOTE")
	for i, r := range Newest(rs) {
		if limit > 0 && i == limit {
			fmt.Fprintf(&b, "… and %d older\n", len(rs)-limit)
			break
		}
		var notes []string
		if r.FailedStage != "" {
			notes = append(notes, "failed at "+r.FailedStage)
		}
		if r.RollbackTo != "" {
			notes = append(notes, "restored "+r.RollbackTo)
		}
		if r.BreakGlass != "" {
			notes = append(notes, "break glass: "+r.BreakGlass)
		}
		if len(r.AcceptedNewPlan) > 0 {
			notes = append(notes, "accepted new plan: "+strings.Join(r.AcceptedNewPlan, ","))
		}
		if r.CISubject != "" {
			notes = append(notes, "by "+r.CISubject)
		}
		fmt.Fprintf(&b, "%-22s %-8s %-9s %-12s %7.1f  %-19s %s\n", r.ID, r.Kind, r.Outcome, r.Revision, r.Seconds, shortImage(r.Image), strings.Join(notes, "; "))
	}
	return b.String()
}

func shortImage(ref string) string {
	_, d, ok := strings.Cut(ref, "@sha256:")
	if !ok {
		if ref == "" {
			return "-"
		}
		return ref
	}
	if len(d) > 12 {
		d = d[:12]
	}
	return "sha256:" + d
}
