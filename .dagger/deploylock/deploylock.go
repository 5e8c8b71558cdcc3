// Package deploylock decides about the deploy-wide lock: one deploy of an
// environment at a time, across every CI vendor and laptop. With a
// DynamoDB lock table the lock is an item of it
// ("eventmall-deploy/<environment>"), written with a condition (absent, or
// expired); without one (state locks as S3 objects, use_lockfile) it is an
// S3 object next to the environment's state ("<environment>/eventmall-
// deploy.lock"), created with a conditional write (If-None-Match: *) and
// taken over when expired only if unchanged since read (If-Match: its
// ETag). Either way two deploys cannot both take it. This package holds
// the lock's shapes and the decisions, the module's lock.go the AWS calls.
package deploylock

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Key is the lock item's LockID for an environment (the deployer role may
// write exactly this key of the table, besides the state locks).
func Key(environment string) string { return "eventmall-deploy/" + environment }

// ObjectKey is the lock's S3 object in the state bucket when there is no
// lock table: next to the environment's states and their .tflock objects
// (the deployer role may write exactly this key besides those).
func ObjectKey(environment string) string { return environment + "/eventmall-deploy.lock" }

// Holder is who holds the lock.
type Holder struct {
	RunID   string
	Owner   string
	Started time.Time
	TTL     time.Duration
}

// Expires is when the lock lapses: a crashed deploy does not block the
// environment for longer than its TTL.
func (h Holder) Expires() time.Time { return h.Started.Add(h.TTL) }

// Free reports whether a deploy may take the lock now.
func Free(current *Holder, now time.Time) bool {
	return current == nil || !now.Before(current.Expires())
}

// Item is the lock's DynamoDB item (string attributes; ExpiresAt a number
// of Unix seconds, compared in the write's condition).
func (h Holder) Item(environment string) map[string]string {
	return map[string]string{
		"LockID":    Key(environment),
		"RunID":     h.RunID,
		"Owner":     h.Owner,
		"StartedAt": h.Started.UTC().Format(time.RFC3339),
		"ExpiresAt": strconv.FormatInt(h.Expires().Unix(), 10),
	}
}

// FromItem reads a lock item back; ok is false when it is not one.
func FromItem(item map[string]string) (Holder, bool) {
	started, err := time.Parse(time.RFC3339, item["StartedAt"])
	if err != nil || item["RunID"] == "" {
		return Holder{}, false
	}
	exp, err := strconv.ParseInt(item["ExpiresAt"], 10, 64)
	if err != nil {
		return Holder{}, false
	}
	return Holder{RunID: item["RunID"], Owner: item["Owner"], Started: started, TTL: time.Unix(exp, 0).Sub(started)}, true
}

// Object is the lock's S3 object: the item's attributes as JSON.
func (h Holder) Object(environment string) []byte {
	b, _ := json.MarshalIndent(h.Item(environment), "", "  ")
	return append(b, '\n')
}

// FromObject reads a lock object back; ok is false when it is not one.
func FromObject(b []byte) (Holder, bool) {
	var item map[string]string
	if err := json.Unmarshal(b, &item); err != nil {
		return Holder{}, false
	}
	return FromItem(item)
}

// HeldError says who holds the lock, for whoever waits or gives up.
type HeldError struct {
	Environment string
	Holder      Holder
	Now         time.Time
	Waited      time.Duration
	// Store is the environment's argument naming where the lock lives, e.g.
	// "--state-bucket=acme-tfstate --lock-table=acme-tflocks" or
	// "--state-bucket=acme-tfstate" (empty: "--state-bucket=<bucket>").
	Store string
}

func (e *HeldError) Error() string {
	h := e.Holder
	msg := fmt.Sprintf("another deploy of %s holds the deploy lock: run %s by %s, started %s (%s ago), lock expires %s",
		e.Environment, h.RunID, h.Owner, h.Started.UTC().Format(time.RFC3339), e.Now.Sub(h.Started).Round(time.Second),
		h.Expires().UTC().Format(time.RFC3339))
	if e.Waited > 0 {
		msg += fmt.Sprintf("; waited %s", e.Waited.Round(time.Second))
	}
	store := e.Store
	if store == "" {
		store = "--state-bucket=<bucket>"
	}
	return msg + fmt.Sprintf(". If that run is dead: dagger call aws <AWS arguments> environment --name=%s %s unlock --run-id=%s", e.Environment, store, h.RunID)
}
