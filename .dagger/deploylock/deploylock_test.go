package deploylock

import (
	"strings"
	"testing"
	"time"
)

func TestLockItemRoundTripsAndExpires(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	h := Holder{RunID: "gh-4711", Owner: "github:acme/eventmall@main", Started: start, TTL: 90 * time.Minute}
	item := h.Item("prod")
	if item["LockID"] != "eventmall-deploy/prod" || item["ExpiresAt"] != "1796121000" {
		t.Fatalf("item = %v", item)
	}
	back, ok := FromItem(item)
	if !ok || back != h {
		t.Fatalf("FromItem = %+v, %v; want %+v", back, ok, h)
	}
	if Free(&h, start.Add(89*time.Minute)) {
		t.Error("a live lock is free")
	}
	if !Free(&h, start.Add(90*time.Minute)) || !Free(nil, start) {
		t.Error("an expired or absent lock is not free")
	}
	if _, ok := FromItem(map[string]string{"LockID": "x"}); ok {
		t.Error("a non-lock item was read as one")
	}
}

func TestHeldErrorNamesTheHolder(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e := &HeldError{Environment: "prod", Holder: Holder{RunID: "gl-88", Owner: "gitlab:acme/eventmall@main", Started: start, TTL: time.Hour}, Now: start.Add(3 * time.Minute), Waited: 30 * time.Second}
	msg := e.Error()
	for _, w := range []string{"run gl-88 by gitlab:acme/eventmall@main", "started 2026-12-01T09:00:00Z (3m0s ago)", "expires 2026-12-01T10:00:00Z", "waited 30s", "environment --name=prod --state-bucket=<bucket> unlock --run-id=gl-88"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message lacks %q: %s", w, msg)
		}
	}
}

// Without a lock table the lock is an S3 object next to the state: the
// same fields, as JSON, read back the same; anything else is no lock.
func TestLockObjectRoundTrips(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	h := Holder{RunID: "gh-4711", Owner: "github:acme/eventmall@main", Started: start, TTL: 2 * time.Hour}
	if got := ObjectKey("prod"); got != "prod/eventmall-deploy.lock" {
		t.Fatalf("ObjectKey = %q", got)
	}
	back, ok := FromObject(h.Object("prod"))
	if !ok || back != h {
		t.Fatalf("FromObject = %+v, %v; want %+v", back, ok, h)
	}
	for _, junk := range []string{"", "{}", "[1]", `{"RunID":"x","StartedAt":"yesterday","ExpiresAt":"1"}`} {
		if _, ok := FromObject([]byte(junk)); ok {
			t.Errorf("FromObject(%q) read a lock", junk)
		}
	}
	e := &HeldError{Environment: "prod", Holder: h, Now: start.Add(time.Minute), Store: "--state-bucket=acme-tfstate"}
	if !strings.Contains(e.Error(), "environment --name=prod --state-bucket=acme-tfstate unlock --run-id=gh-4711") {
		t.Errorf("the S3 lock's holder message does not say how to unlock it: %s", e.Error())
	}
}
