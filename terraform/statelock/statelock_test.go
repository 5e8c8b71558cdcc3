// Package statelock tests S3-native state locking (the S3 backend's
// use_lockfile, which the stacks set) for real: the engine binaries against
// moto's S3 (from PyPI), which implements the conditional write the lock
// needs (PutObject with If-None-Match: *, answered 412 PreconditionFailed
// when the lock object exists).
package statelock

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// engines are the binaries to test: EVENTMALL_LOCK_ENGINES (paths separated
// by ":"; check.sh passes the pinned engine and, when PATH has one, terraform),
// else TERRAFORM_BINARY, else a terraform on PATH.
func engines(t *testing.T) []string {
	var out []string
	if list := os.Getenv("EVENTMALL_LOCK_ENGINES"); list != "" {
		out = strings.Split(list, ":")
	} else if p := os.Getenv("TERRAFORM_BINARY"); p != "" {
		out = []string{p}
	} else if p, err := exec.LookPath("terraform"); err == nil {
		out = []string{p}
	}
	if len(out) == 0 {
		required(t, "no engine binary (EVENTMALL_LOCK_ENGINES, TERRAFORM_BINARY or terraform on PATH)")
	}
	return out
}

// required fails under EVENTMALL_REQUIRE_TERRAFORM=1 (check.sh sets it) and
// skips loudly otherwise.
func required(t *testing.T, what string) {
	t.Helper()
	msg := t.Name() + ": " + what + "; the S3 state-lock test did NOT run"
	if os.Getenv("EVENTMALL_REQUIRE_TERRAFORM") == "1" {
		t.Fatal(msg)
	}
	os.Stderr.WriteString("!!! " + msg + "\n")
	t.Skip(msg)
}

func motoServer(t *testing.T) string {
	if p := os.Getenv("EVENTMALL_MOTO_SERVER"); p != "" {
		return p
	}
	cache := os.Getenv("EVENTMALL_CACHE")
	if cache == "" {
		cache = "/var/cache/eventmall"
	}
	p := filepath.Join(cache, "moto-venv", "bin", "moto_server")
	if _, err := os.Stat(p); err != nil {
		msg := t.Name() + ": no moto_server at " + p + " (ci/rehearsal/moto-venv.sh installs it); the S3 state-lock test did NOT run"
		if os.Getenv("EVENTMALL_REQUIRE_MOTO") == "1" {
			t.Fatal(msg)
		}
		os.Stderr.WriteString("!!! " + msg + "\n")
		t.Skip(msg)
	}
	return p
}

// startMoto runs moto on a free loopback port (no fixed port: no CI lock
// needed) and returns its endpoint.
func startMoto(t *testing.T) string {
	bin := motoServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logf, err := os.Create(filepath.Join(t.TempDir(), "moto.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	// Up to 60 s: at load 35 on two cores (check.sh beside a module test and a Go build) moto took
	// longer than the 10 s this waited before.
	for i := 0; i < 600; i++ {
		if r, err := http.Get(endpoint + "/moto-api/"); err == nil {
			r.Body.Close()
			return endpoint
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(logf.Name())
	t.Fatalf("moto did not start on %s:\n%s", endpoint, b)
	return ""
}

// put creates a bucket (moto, path style, no signature needed).
func put(t *testing.T, url string) {
	req, _ := http.NewRequest(http.MethodPut, url, nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 {
		t.Fatalf("PUT %s: %s", url, r.Status)
	}
}

// exists lists the bucket (moto answers an unsigned GetObject 403, an
// unsigned ListObjectsV2 in full) and says whether key is in it.
func exists(t *testing.T, endpoint, bucket, key string) bool {
	r, err := http.Get(endpoint + "/" + bucket + "?list-type=2&prefix=" + url.QueryEscape(key))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		t.Fatalf("listing %s: %s\n%s", bucket, r.Status, b)
	}
	return strings.Contains(string(b), "<Key>"+key+"</Key>")
}

// stack is a one-resource configuration whose plan asks for a variable on
// stdin: asked after the state lock is taken, so a plan waiting for its
// answer holds the lock for as long as the test wants.
const stack = `terraform {
  backend "s3" {%s}
}

variable "hold" {
  type = string
}

resource "terraform_data" "x" {
  input = var.hold
}
`

type workspace struct {
	t        *testing.T
	bin, dir string
	env      []string
}

func newWorkspace(t *testing.T, bin, endpoint, bucket, key, backendBody string) *workspace {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(fmt.Sprintf(stack, backendBody)), 0o644); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "cli.tfrc")
	os.WriteFile(rc, nil, 0o644)
	w := &workspace{t: t, bin: bin, dir: dir, env: append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=", "TF_CLI_ARGS=-no-color",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1")}
	e := endpoint
	out, err := w.run(nil, "init", "-input=false",
		"-backend-config=bucket="+bucket, "-backend-config=key="+key, "-backend-config=region=us-east-1",
		fmt.Sprintf("-backend-config=endpoints={s3=%q,sts=%q,iam=%q}", e, e, e), "-backend-config=use_path_style=true",
		"-backend-config=skip_credentials_validation=true", "-backend-config=skip_metadata_api_check=true",
		"-backend-config=skip_region_validation=true", "-backend-config=skip_requesting_account_id=true")
	if err != nil {
		t.Fatalf("%s init: %v\n%s", filepath.Base(bin), err, out)
	}
	return w
}

func (w *workspace) command(stdin io.Reader, args ...string) *exec.Cmd {
	cmd := exec.Command(w.bin, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = w.dir, w.env, stdin
	return cmd
}

func (w *workspace) run(stdin io.Reader, args ...string) (string, error) {
	var b bytes.Buffer
	cmd := w.command(stdin, args...)
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.String(), err
}

// syncBuffer is an output buffer read while the process still writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// holder is a plan that holds the state lock until release.
type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *syncBuffer
	done  chan error
}

func (w *workspace) holdLock(t *testing.T) *holder {
	h := &holder{out: &syncBuffer{}, done: make(chan error, 1)}
	h.cmd = w.command(nil, "plan", "-input=true", "-lock=true")
	pipe, err := h.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	h.stdin = pipe
	h.cmd.Stdout, h.cmd.Stderr = h.out, h.out
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.done <- h.cmd.Wait() }()
	t.Cleanup(func() { h.cmd.Process.Kill() })
	return h
}

// release answers the prompt; the plan finishes and lets its lock go.
func (h *holder) release(t *testing.T) string {
	fmt.Fprintln(h.stdin, "first")
	h.stdin.Close()
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatalf("the first plan failed: %v\n%s", err, h.out)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("the first plan did not finish:\n%s", h.out)
	}
	return h.out.String()
}

func waitFor(t *testing.T, what string, h *holder, ok func() bool) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		select {
		case err := <-h.done:
			t.Fatalf("the first plan ended (%v) before %s:\n%s", err, what, h.out)
		default:
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s:\n%s", what, h.out)
}

// A plan holding the S3 lock refuses a second plan of the same state, which
// names the lock; once the first lets go, the lock object is gone and the
// second plan runs. No DynamoDB table is involved.
func TestLockfileRefusesASecondPlan(t *testing.T) {
	for _, bin := range engines(t) {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			endpoint := startMoto(t)
			put(t, endpoint+"/locks-state")
			w := newWorkspace(t, bin, endpoint, "locks-state", "prod/network.tfstate", "\n    use_lockfile = true\n  ")
			const lock = "prod/network.tfstate.tflock"
			first := w.holdLock(t)
			waitFor(t, "the lock object "+lock, first, func() bool { return exists(t, endpoint, "locks-state", lock) })

			out, err := w.run(nil, "plan", "-input=false", "-lock-timeout=0s", "-var=hold=second")
			if err == nil {
				t.Fatalf("a second plan ran while the first held the lock:\n%s", out)
			}
			for _, want := range []string{"Error acquiring the state lock", "PreconditionFailed", "Path:      locks-state/prod/network.tfstate", "OperationTypePlan"} {
				if !strings.Contains(out, want) {
					t.Errorf("the refused plan does not say %q:\n%s", want, out)
				}
			}
			t.Logf("second plan refused while the first held the lock:\n%s", firstLines(out, 12))

			first.release(t)
			if exists(t, endpoint, "locks-state", lock) {
				t.Errorf("after the first plan the lock object %s is still there", lock)
			}
			if out, err := w.run(nil, "plan", "-input=false", "-lock-timeout=0s", "-var=hold=second"); err != nil {
				t.Errorf("the second plan, once the lock was released: %v\n%s", err, out)
			}
		})
	}
}

// The control: with use_lockfile off and no DynamoDB table the same second
// plan is not refused, so the refusal above is the S3 lock's doing.
func TestWithoutLockfileNothingRefuses(t *testing.T) {
	bin := engines(t)[0]
	endpoint := startMoto(t)
	put(t, endpoint+"/nolock-state")
	w := newWorkspace(t, bin, endpoint, "nolock-state", "prod/network.tfstate", "")
	first := w.holdLock(t)
	// The prompt is on the output once the plan waits (after any lock it would take).
	waitFor(t, "the first plan's prompt", first, func() bool {
		return strings.Contains(first.out.String(), "var.hold")
	})
	if out, err := w.run(nil, "plan", "-input=false", "-lock-timeout=0s", "-var=hold=second"); err != nil {
		t.Errorf("without use_lockfile the second plan should run; it failed: %v\n%s", err, out)
	}
	first.release(t)
}

func firstLines(s string, n int) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() && len(out) < n {
		if strings.TrimSpace(sc.Text()) != "" {
			out = append(out, sc.Text())
		}
	}
	return strings.Join(out, "\n")
}
