package standintls

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

func TestCertificateVerifiesForTheEndpointsOnlyUnderItsCA(t *testing.T) {
	now := time.Now()
	hosts := []string{"eventmall-rehearsal.cluster-abc.us-east-1.rds.amazonaws.com", "eventmall-rehearsal.cluster-ro-abc.us-east-1.rds.amazonaws.com"}
	b, err := New(hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair([]byte(b.Cert), []byte(b.Key)); err != nil {
		t.Fatalf("cert and key do not pair: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(b.CA)) {
		t.Fatal("CA PEM")
	}
	blk, _ := pem.Decode([]byte(b.Cert))
	leaf, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: pool, CurrentTime: now}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other.example.com", Roots: pool, CurrentTime: now}); err == nil {
		t.Error("verified for a host it was not made for")
	}
	// Another deploy's CA does not vouch for it.
	other, _ := New(hosts, now)
	otherPool := x509.NewCertPool()
	otherPool.AppendCertsFromPEM([]byte(other.CA))
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: hosts[0], Roots: otherPool, CurrentTime: now}); err == nil {
		t.Error("verified under another CA")
	}
	if strings.Contains(b.CA+b.Cert, "PRIVATE") {
		t.Error("a key in the public parts")
	}
	if _, err := New(nil, now); err == nil {
		t.Error("no hosts accepted")
	}
}
