package catalogue

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"dagger/eventmall/history"
)

func TestObjectIsNamedByItsBytes(t *testing.T) {
	files := map[string][]byte{"b.json": []byte(`{"revision":1}`), "a.json": []byte("{\n \"x\": 1\n}\n")}
	o, err := NewObject(files)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(o.Bytes)
	if o.Digest != hex.EncodeToString(sum[:]) {
		t.Fatalf("digest %s is not the sha256 of the object's bytes", o.Digest)
	}
	if got := o.Key("prod"); got != "prod/catalogue/"+o.Digest+".json" {
		t.Fatalf("key %s", got)
	}
	// The files' exact bytes, sorted by name: the backend validates them as files.
	var doc struct {
		Format string            `json:"format"`
		Files  map[string]string `json:"files"`
	}
	if err := json.Unmarshal(o.Bytes, &doc); err != nil || doc.Format != Format || doc.Files["a.json"] != "{\n \"x\": 1\n}\n" {
		t.Fatalf("%s: %v", o.Bytes, err)
	}
	if strings.Index(string(o.Bytes), `"a.json"`) > strings.Index(string(o.Bytes), `"b.json"`) {
		t.Fatalf("files not in name order: %s", o.Bytes)
	}
	// The same files give the same object, whatever the map order; another byte another name.
	again, _ := NewObject(map[string][]byte{"a.json": files["a.json"], "b.json": files["b.json"]})
	other, _ := NewObject(map[string][]byte{"a.json": files["a.json"], "b.json": []byte(`{"revision":2}`)})
	if again.Digest != o.Digest || other.Digest == o.Digest {
		t.Fatalf("digests: %s %s %s", o.Digest, again.Digest, other.Digest)
	}
	for _, bad := range []map[string][]byte{{}, {"x.txt": []byte("{}")}, {"../a.json": []byte("{}")}} {
		if _, err := NewObject(bad); err == nil {
			t.Errorf("NewObject(%v) accepted", bad)
		}
	}
}

func last(code, cat string) history.Record {
	return history.Record{ID: "20261201T100000Z-aaaa", Kind: history.KindDeploy, Outcome: history.Succeeded,
		Image: "repo@sha256:1", Site: history.Site{IndexVersionID: "v1"}, CodeDigest: code, CatalogueDigest: cat}
}

func TestDecide(t *testing.T) {
	cases := []struct {
		name     string
		in       Inputs
		mode     Mode
		inReason string
	}{
		{"first deploy", Inputs{Code: "c1", Catalogue: "k1"}, Full, "no successful deploy in the history"},
		{"only the catalogue changed", Inputs{Last: last("c1", "k1"), HasLast: true, Code: "c1", Catalogue: "k2"}, CatalogueOnly,
			"catalogue only: the code is that of deploy 20261201T100000Z-aaaa, the catalogue changed (k1 → k2)"},
		{"code changed", Inputs{Last: last("c1", "k1"), HasLast: true, Code: "c2", Catalogue: "k1"}, Full, "the code changed since deploy 20261201T100000Z-aaaa"},
		{"both changed", Inputs{Last: last("c1", "k1"), HasLast: true, Code: "c2", Catalogue: "k2"}, Full, "the code changed since deploy"},
		{"nothing changed", Inputs{Last: last("c1", "k1"), HasLast: true, Code: "c1", Catalogue: "k1"}, Full, "code and catalogue unchanged since deploy 20261201T100000Z-aaaa"},
		{"an older record without digests", Inputs{Last: last("", ""), HasLast: true, Code: "c1", Catalogue: "k2"}, Full, "recorded no code and catalogue digests"},
		{"the running deploy is a rollback", Inputs{Last: func() history.Record { r := last("c1", "k1"); r.Kind = history.KindRollback; return r }(), HasLast: true, Code: "c1", Catalogue: "k2"}, Full, "is a rollback"},
		{"no image recorded", Inputs{Last: func() history.Record { r := last("c1", "k1"); r.Image = ""; return r }(), HasLast: true, Code: "c1", Catalogue: "k2"}, Full, "recorded no image"},
		{"no index.html recorded", Inputs{Last: func() history.Record { r := last("c1", "k1"); r.Site.IndexVersionID = ""; return r }(), HasLast: true, Code: "c1", Catalogue: "k2"}, Full, "recorded no index.html"},
		{"--full-plan", Inputs{Last: last("c1", "k1"), HasLast: true, Code: "c1", Catalogue: "k2", FullPlan: true}, Full, "--full-plan"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.in)
			if d.Mode != c.mode || !strings.Contains(d.Reason, c.inReason) {
				t.Fatalf("Decide = %v %q, want %v with %q", d.Mode, d.Reason, c.mode, c.inReason)
			}
			if d.Mode == CatalogueOnly && d.Since != c.in.Last.ID {
				t.Fatalf("since %q", d.Since)
			}
		})
	}
}

func TestSkipReasonsNameTheDeploy(t *testing.T) {
	d := Decide(Inputs{Last: last("c1", "k1"), HasLast: true, Code: "c1", Catalogue: "k2"})
	for _, stage := range []string{"test-backend", "test-frontend", "terraform-policy", "build-frontend", "backend-image", "sync-frontend", "publish-backend", "db-release", "screenshot"} {
		r := d.Skip(stage)
		if !strings.HasPrefix(r, "skipped: catalogue-only change; ") || !strings.Contains(r, "20261201T100000Z-aaaa") {
			t.Errorf("%s: %q", stage, r)
		}
	}
	for _, runs := range []string{"validate-catalog", "plan service", "wait-service-stable", "smoke-test"} {
		if r := d.Skip(runs); r != "" {
			t.Errorf("%s runs in a catalogue-only deploy, but: %q", runs, r)
		}
	}
	if Decide(Inputs{Code: "c", Catalogue: "k"}).Skip("test-backend") != "" {
		t.Error("a full deploy skips nothing")
	}
}
