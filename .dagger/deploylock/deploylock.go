// Package deploylock decides about the deploy-wide lock: one deploy of an
// environment at a time, across every CI vendor and laptop. The lock is an
// item of the Terraform lock table ("eventmall-deploy/<environment>"),
// written with a condition (absent, or expired) so two deploys cannot both
// take it; this package holds the item's shape and the decisions, the
// module's lock.go the DynamoDB calls.
package deploylock

import (
	"fmt"
	"strconv"
	"time"
)

// Key is the lock item's LockID for an environment (the deployer role may
// write exactly this key of the table, besides the state locks).
func Key(environment string) string { return "eventmall-deploy/" + environment }

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

// HeldError says who holds the lock, for whoever waits or gives up.
type HeldError struct {
	Environment string
	Holder      Holder
	Now         time.Time
	Waited      time.Duration
}

func (e *HeldError) Error() string {
	h := e.Holder
	msg := fmt.Sprintf("another deploy of %s holds the deploy lock: run %s by %s, started %s (%s ago), lock expires %s",
		e.Environment, h.RunID, h.Owner, h.Started.UTC().Format(time.RFC3339), e.Now.Sub(h.Started).Round(time.Second),
		h.Expires().UTC().Format(time.RFC3339))
	if e.Waited > 0 {
		msg += fmt.Sprintf("; waited %s", e.Waited.Round(time.Second))
	}
	return msg + fmt.Sprintf(". If that run is dead: dagger call aws <AWS arguments> unlock --lock-table=<table> --environment=%s --run-id=%s", e.Environment, h.RunID)
}
