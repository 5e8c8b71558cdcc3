package parity

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOIDCHelperExchangesTheToken runs ci/gitlab/aws-oidc.sh (the copy CircleCI uses is
// identical) under a POSIX sh against a fake STS on loopback: the token must travel in
// the POST body, the answer's credentials must be exported, nothing secret printed.
func TestOIDCHelperExchangesTheToken(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	const token = "eyJ.fake-oidc-token.sig"
	var form map[string]string
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost || r.URL.RawQuery != "" {
			http.Error(w, "want a form POST with nothing in the query", 400)
			return
		}
		form = map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		if form["WebIdentityToken"] != token {
			http.Error(w, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code></Error></ErrorResponse>", 400)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <SessionToken>FwoGZXIvYXdzEFAKE/session+token==</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY</SecretAccessKey>
      <Expiration>2026-11-27T01:00:00Z</Expiration>
      <AccessKeyId>ASIAFAKEFAKEFAKE</AccessKeyId>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>
`))
	}))
	defer sts.Close()

	script := filepath.Join(repoRoot(t), "ci", "gitlab", "aws-oidc.sh")
	for _, shell := range []string{"sh", "bash"} {
		t.Run(shell, func(t *testing.T) {
			if _, err := exec.LookPath(shell); err != nil {
				t.Skipf("%s not installed", shell)
			}
			oidcHelperUnder(t, shell, script, sts.URL, &form)
		})
	}
}

func oidcHelperUnder(t *testing.T, shell, script, stsURL string, form *map[string]string) {
	const token = "eyJ.fake-oidc-token.sig"
	run := func(tok string) (string, string, error) {
		cmd := exec.Command(shell, "-c", `. "$1" && printf '%s|%s|%s' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" >&3`, "sh", script)
		cmd.Env = []string{"PATH=/usr/bin:/bin", "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/eventmall-ci-deployer",
			"AWS_REGION=eu-west-1", "AWS_WEB_IDENTITY_TOKEN=" + tok, "AWS_STS_ENDPOINT=" + stsURL + "/",
			"AWS_ROLE_SESSION_NAME=eventmall-test"}
		var out, logs strings.Builder
		cmd.Stdout, cmd.Stderr = &logs, &logs
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.ExtraFiles = []*os.File{w} // fd 3: the exported values, apart from the logs
		err = cmd.Start()
		w.Close()
		b, _ := io.ReadAll(r)
		r.Close()
		if err == nil {
			err = cmd.Wait()
		}
		out.Write(b)
		return out.String(), logs.String(), err
	}

	got, logs, err := run(token)
	if err != nil {
		t.Fatalf("helper failed: %v\n%s", err, logs)
	}
	if want := "ASIAFAKEFAKEFAKE|wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY|FwoGZXIvYXdzEFAKE/session+token=="; got != want {
		t.Errorf("exported %q, want %q", got, want)
	}
	for k, want := range map[string]string{"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
		"RoleArn": "arn:aws:iam::123456789012:role/eventmall-ci-deployer", "RoleSessionName": "eventmall-test", "DurationSeconds": "3600"} {
		if (*form)[k] != want {
			t.Errorf("STS form %s = %q, want %q", k, (*form)[k], want)
		}
	}
	for _, secret := range []string{token, "wJalrXUtnFEMI", "FwoGZXIvYXdzEFAKE", "ASIAFAKE"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the helper printed a secret (%s…):\n%s", secret[:6], logs)
		}
	}

	if _, logs, err := run("wrong-token"); err == nil {
		t.Errorf("a refused token did not fail the helper:\n%s", logs)
	} else if !strings.Contains(logs, "AssumeRoleWithWebIdentity failed") {
		t.Errorf("refusal not explained:\n%s", logs)
	}
}
