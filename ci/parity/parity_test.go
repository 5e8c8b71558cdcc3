package parity

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// repoRoot is the repository root (two levels above this file).
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	// Everything the parity test reads. Run inside a container (the module's ci-parity
	// check), the source given to it must hold all of these, not only ci/.
	for _, f := range []string{"dagger.json", "ci/calls.txt", BuildModule, ".github/workflows/eventmall.yml",
		".gitlab-ci.yml", ".circleci/config.yml", "Jenkinsfile"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Fatalf("%s is missing under %s: the parity test needs the repository's dagger.json, ci/ and every vendor's fixed-path file (.github/, .gitlab-ci.yml, .circleci/, Jenkinsfile)", f, root)
		}
	}
	return root
}

func truth(t *testing.T) *Truth {
	t.Helper()
	tr, err := LoadTruth(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestCallsTxtIsTheContract(t *testing.T) {
	tr := truth(t)
	order := "check,aws environment plan,aws environment deploy,aws environment drift,aws environment preflight"
	if got := strings.Join(tr.Order, ","); got != order {
		t.Fatalf("calls.txt functions = %s, want %s", got, order)
	}
	if tr.Version != "0.19.7" {
		t.Errorf("dagger.json pins %q; the CI files were written for 0.19.7", tr.Version)
	}
	// The deploy call of the CLI contract, word for word: the account, the environment
	// in it, the action.
	aws := []string{"aws",
		"--access-key-id=env://AWS_ACCESS_KEY_ID",
		"--secret-access-key=env://AWS_SECRET_ACCESS_KEY",
		"--session-token=env://AWS_SESSION_TOKEN",
		"--region=${AWS_REGION}"}
	env := []string{"environment",
		"--name=${EVENTMALL_ENVIRONMENT}",
		"--state-bucket=${TF_STATE_BUCKET}",
		"--lock-table=${TF_LOCK_TABLE}"}
	slack := []string{"--slack-token=env://SLACK_BOT_TOKEN", "--slack-channel=${SLACK_CHANNEL}"}
	call := func(parts ...[]string) string {
		words := []string{"call"}
		for _, p := range parts {
			words = append(words, p...)
		}
		return strings.Join(words, " ")
	}
	for _, c := range []struct{ function, want string }{
		// deploy returns a report; CI logs print its stage table.
		{"aws environment deploy", call(aws, env, slack, []string{"deploy", "summary"})},
		// plan takes the deploy call's account and environment, without Slack.
		{"aws environment plan", call(aws, env, []string{"plan"})},
		{"aws environment drift", call(aws, env, slack, []string{"drift"})},
		{"aws environment preflight", call(aws, env, slack, []string{"preflight", "--drop=${EVENTMALL_DROP}"})},
	} {
		if got := strings.Join(tr.Calls[c.function].Words, " "); got != c.want {
			t.Errorf("%s in calls.txt:\n got %s\nwant %s", c.function, got, c.want)
		}
	}
	// Each object's flags belong to it; deploy chains summary.
	deploy := tr.Calls["aws environment deploy"]
	var segs []string
	for _, s := range deploy.Path() {
		segs = append(segs, s.Name+":"+strings.Join(s.Flags, ","))
	}
	if got, want := strings.Join(segs, " "), "aws:"+strings.Join(aws[1:], ",")+" environment:"+strings.Join(append(env[1:], slack...), ",")+" deploy:"; got != want {
		t.Errorf("deploy's path:\n got %s\nwant %s", got, want)
	}
	if got := strings.Join(deploy.Chain(), " "); got != "summary" {
		t.Errorf("deploy chains %q, want summary", got)
	}
	for _, s := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SLACK_BOT_TOKEN"} {
		if !tr.SecretEnv[s] {
			t.Errorf("secret %s not passed as env:// in calls.txt", s)
		}
	}
}

// TestCallPath: a call's function path runs through the module's objects (Objects) to its
// action; Args are the flags of every function of the path, each with the function it is
// given to; Chain is what follows the action's flags.
func TestCallPath(t *testing.T) {
	for _, c := range []struct {
		src, function, args, chain string
	}{
		{`dagger call check`, "check", "", ""},
		{`dagger call aws --region="$R" environment --name=prod deploy --run-id=7 summary`,
			"aws environment deploy", "aws:--region=${R} environment:--name=prod deploy:--run-id=7", "summary"},
		{`dagger call aws --region="$R" environment plan > plan.md`, "aws environment plan", "aws:--region=${R}", ""},
		{`dagger call aws environment preflight --drop=tonight`, "aws environment preflight", "preflight:--drop=tonight", ""},
		// The flat functions that came before: an action of their own, not in calls.txt.
		{`dagger call deploy --aws-access-key-id=env://K --environment=prod summary`,
			"deploy", "deploy:--aws-access-key-id=env://K deploy:--environment=prod", "summary"},
		// A rehearsal-only step between the objects and the action is not an object.
		{`dagger call aws --endpoint-url=http://moto environment with-clock --now=2026-12-24T23:30:00Z deploy`,
			"aws environment with-clock", "aws:--endpoint-url=http://moto with-clock:--now=2026-12-24T23:30:00Z", "deploy"},
	} {
		f, err := ScanScript(Script{Where: "t", Text: c.src}, nil)
		if err != nil || len(f.Calls) != 1 {
			t.Fatalf("%q: %v (calls %+v)", c.src, err, f.Calls)
		}
		call := f.Calls[0]
		args, err := call.Args()
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		var as []string
		for _, a := range args {
			as = append(as, a.On+":"+a.Name+"="+a.Value)
		}
		if call.Function != c.function || strings.Join(as, " ") != c.args || strings.Join(call.Chain(), " ") != c.chain {
			t.Errorf("%q:\n got function %q, args %q, chain %q\nwant function %q, args %q, chain %q",
				c.src, call.Function, strings.Join(as, " "), strings.Join(call.Chain(), " "), c.function, c.args, c.chain)
		}
	}
	// An object's flag written `--name value`: the value is the flag's, not the next
	// function, and Args refuses the spelling.
	src := `dagger call aws environment --lock-table "$T" deploy`
	f, err := ScanScript(Script{Where: "t", Text: src}, nil)
	if err != nil || len(f.Calls) != 1 || f.Calls[0].Function != "aws environment deploy" {
		t.Fatalf("%q: %v (calls %+v)", src, err, f.Calls)
	}
	if args, err := f.Calls[0].Args(); err == nil || !strings.Contains(err.Error(), "is not written --name=value") {
		t.Errorf("%q: Args() = %v, %v; want the spelling refused", src, args, err)
	}
}

// TestVendorsMakeTheSameCalls is the parity test proper: every vendor's files, read
// from their fixed paths and followed through their pointers, make exactly the calls
// of ci/calls.txt and install the pinned Dagger CLI.
func TestVendorsMakeTheSameCalls(t *testing.T) {
	root := repoRoot(t)
	tr := truth(t)
	for _, vd := range Vendors {
		t.Run(vd.Name, func(t *testing.T) {
			v, err := vd.Load(root, vd.Entry, tr)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Files) < 2 {
				t.Errorf("%s: the fixed-path file %s should point at the real content under ci/ (read: %v)", vd.Name, vd.Entry, v.Files)
			}
			for _, f := range v.Files[1:] {
				if !strings.HasPrefix(f, "ci/"+vd.Name+"/") {
					t.Errorf("%s: %s is read but lies outside ci/%s/", vd.Name, f, vd.Name)
				}
			}
			for _, p := range tr.Compare(v) {
				t.Error(p)
			}
			t.Logf("%s: read %v; calls: %d jobs", vd.Name, v.Files, len(v.Jobs))
		})
	}
}

// TestDriftIsCaught runs the same comparison on drifted copies in testdata/drift and
// requires each to fail with the expected message.
func TestDriftIsCaught(t *testing.T) {
	root := repoRoot(t)
	tr := truth(t)
	loaders := map[string]Loader{"github": LoadGitHub, "gitlab": LoadGitLab, "circleci": LoadCircleCI, "jenkins": LoadJenkins}
	cases := []struct {
		file, vendor, want string
	}{
		{"github-missing-lock-table.yml", "github", "lacks --lock-table=${TF_LOCK_TABLE}"},
		{"github-action-secret-renamed.yml", "github", "--slack-token reads the secret from env://SLACK_TOKEN, want env://SLACK_BOT_TOKEN"},
		{"github-unpinned.yml", "github", `Dagger version "latest" (as written: "latest"), want "0.19.7"`},
		{"github-action-by-tag.yml", "github", "uses actions/checkout@v4 by a tag or branch, which can be moved to other code; pin the action by its full commit SHA"},
		{"github-echo-secret.yml", "github", "echo prints the secret $AWS_SECRET_ACCESS_KEY"},
		{"github-space-separated.yml", "github", `is not written --name=value`},
		{"gitlab-other-function.yml", "gitlab", "`dagger call aws environment deploy-all` is not in ci/calls.txt"},
		{"gitlab-other-function.yml", "gitlab", "no `dagger call aws environment deploy`"},
		{"gitlab-install-latest.yml", "gitlab", "installed without a version"},
		{"gitlab-wrong-version.yml", "gitlab", `Dagger version "0.19.8"`},
		{"gitlab-missing-include.yml", "gitlab", "includes ci/gitlab/nowhere.yml"},
		{"circleci-secret-as-value.yml", "circleci", "--slack-token=${SLACK_BOT_TOKEN} passes the secret as a value"},
		{"circleci-no-plan.yml", "circleci", "no `dagger call aws environment plan`"},
		{"circleci-no-install.yml", "circleci", "calls dagger without installing the pinned CLI"},
		{"jenkins-region-literal.groovy", "jenkins", "--region=eu-west-1, want ${AWS_REGION}"},
		{"jenkins-gstring.groovy", "jenkins", "Groovy would interpolate it"},
		{"jenkins-unbalanced.groovy", "jenkins", "is never closed"},
		{"jenkins-extra-arg.groovy", "jenkins", "has --debug=true, which ci/calls.txt does not"},
		{"jenkins-order.groovy", "jenkins", "another order"},
		{"gitlab-deploy-unchained.yml", "gitlab", "`dagger call aws environment deploy` chains nothing; ci/calls.txt chains `summary`"},
		// Each object takes its own flags: the region is the account's, not the environment's.
		{"github-flag-on-wrong-object.yml", "github", "`dagger call aws environment deploy` gives --region to `environment`; ci/calls.txt gives it to `aws`"},
		{"jenkins-command-substitution.groovy", "jenkins", "is not allowed"},
		// Supply chain: no download run as a script, however it is spelled.
		{"gitlab-curl-pipe-sh.yml", "gitlab", "pipes a download (curl) into sh"},
		{"jenkins-wget-bash.groovy", "jenkins", "pipes a download (wget) into bash"},
		{"circleci-sh-c-curl.yml", "circleci", "pipes a download (curl) into sh"},
		{"github-dagger-for-github.yml", "github", "dagger/dagger-for-github installs the CLI by piping Dagger's install script into sh"},
		// The scheduled checks change nothing: the read-only plan role, never the deployer.
		{"github-scheduled-as-deployer.yml", "github", "`dagger call aws environment drift` runs as the deployer (${{ vars.AWS_DEPLOYER_ROLE_ARN }}); the scheduled checks use the read-only plan role, never the deployer"},
		{"gitlab-scheduled-no-role.yml", "gitlab", "`dagger call aws environment preflight` assumes no AWS role"},
		{"circleci-scheduled-deploy-context.yml", "circleci", "`dagger call aws environment drift` runs as the deployer (context eventmall-deploy)"},
		{"jenkins-scheduled-deployer.groovy", "jenkins", "`dagger call aws environment preflight` runs as the deployer (${env.AWS_DEPLOYER_ROLE_ARN})"},
		// A pull/merge request's plan runs unreviewed code: the read-only plan role, never the deployer.
		{"github-plan-as-deployer.yml", "github", "`dagger call aws environment plan` runs as the deployer (${{ vars.AWS_DEPLOYER_ROLE_ARN }}); a pull/merge request's plan uses the read-only plan role, never the deployer"},
		{"gitlab-plan-as-deployer.yml", "gitlab", "`dagger call aws environment plan` runs as the deployer ($AWS_DEPLOYER_ROLE_ARN)"},
		{"circleci-plan-deploy-context.yml", "circleci", "`dagger call aws environment plan` runs as the deployer (context eventmall-deploy)"},
		{"jenkins-plan-as-deployer.groovy", "jenkins", "`dagger call aws environment plan` runs as the deployer (${env.AWS_DEPLOYER_ROLE_ARN})"},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.want, func(t *testing.T) {
			rel := filepath.ToSlash(filepath.Join("ci", "parity", "testdata", "drift", c.file))
			var msgs []string
			v, err := loaders[c.vendor](root, rel, tr)
			if err != nil {
				msgs = []string{err.Error()}
			} else {
				msgs = tr.Compare(v)
			}
			if len(msgs) == 0 {
				t.Fatalf("%s passed the parity check; it must fail with %q", c.file, c.want)
			}
			for _, m := range msgs {
				if strings.Contains(m, c.want) {
					return
				}
			}
			t.Errorf("%s failed, but not with %q:\n%s", c.file, c.want, strings.Join(msgs, "\n"))
		})
	}
}

// TestEquivalentSpellingsPass: other ways of writing the same call are the same call.
func TestEquivalentSpellingsPass(t *testing.T) {
	root := repoRoot(t)
	tr := truth(t)
	for _, c := range []struct {
		file string
		load Loader
	}{
		{"github-run-folded.yml", LoadGitHub},
		{"gitlab-single-file.yml", LoadGitLab},
		{"jenkins-declarative.groovy", LoadJenkins},
	} {
		t.Run(c.file, func(t *testing.T) {
			v, err := c.load(root, filepath.ToSlash(filepath.Join("ci", "parity", "testdata", "ok", c.file)), tr)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tr.Compare(v) {
				t.Error(p)
			}
		})
	}
}

// TestNoDownloadRunAsScript: every spelling of running a download as a script
// is refused; the source build and downloads that are only data are not.
func TestNoDownloadRunAsScript(t *testing.T) {
	for _, bad := range []string{
		`curl -fsSL https://example.test/install.sh | sh`,
		`curl -fsSL https://example.test/install.sh | BIN_DIR=/x DAGGER_VERSION=0.19.7 sh`,
		`wget -qO- https://example.test/i.sh | sudo -E bash`,
		`curl -sS https://example.test/i.sh | tee /tmp/i.sh | bash -s -- -y`,
		`sh -c "$(curl -fsSL https://example.test/i.sh)"`,
		`bash <(curl -fsSL https://example.test/i.sh)`,
		`eval "$(wget -qO- https://example.test/env)"`,
		`. <(curl -fsSL https://example.test/env)`,
		"if true; then\n  curl -fsSL https://example.test/i.sh |\n    sh\nfi",
	} {
		f, err := ScanScript(Script{Where: "t", Text: bad}, nil)
		if err != nil {
			t.Fatalf("%q: %v", bad, err)
		}
		if len(f.Problems) == 0 || !strings.Contains(strings.Join(f.Problems, "\n"), "pipes a download") {
			t.Errorf("%q: not refused (problems: %q)", bad, f.Problems)
		}
	}
	for _, ok := range []string{
		`go run ./ci/airgap cli --out "$HOME/.local/bin"`,
		`curl -fsS -o out.json https://example.test/x`,
		`curl -fsS https://example.test/x | jq .`,
		`. ci/gitlab/aws-oidc.sh`,
		`sh ci/gate-selftest.sh`,
	} {
		f, err := ScanScript(Script{Where: "t", Text: ok}, nil)
		if err != nil {
			t.Fatalf("%q: %v", ok, err)
		}
		if len(f.Problems) > 0 {
			t.Errorf("%q refused: %q", ok, f.Problems)
		}
	}
}

// TestSourceInstall: `go run ./ci/airgap cli --out DIR` is an install whose
// version is the build module's; a build module pinning another release than
// dagger.json is named, and so is a missing --out.
func TestSourceInstall(t *testing.T) {
	f, err := ScanScript(Script{Where: "t", Text: `go run ./ci/airgap cli --out="$RUNNER_TEMP/bin"`}, nil)
	if err != nil || len(f.Installs) != 1 || !f.Installs[0].Source || len(f.Problems) > 0 {
		t.Fatalf("source install read as %+v (problems %q, err %v)", f.Installs, f.Problems, err)
	}
	if f, _ := ScanScript(Script{Where: "t", Text: `GOTOOLCHAIN=auto go run ./ci/airgap cli --out /usr/local/bin`}, nil); len(f.Installs) != 1 || !f.Installs[0].Source {
		t.Errorf("a source install with GOTOOLCHAIN set read as %+v", f.Installs)
	}
	if f, _ := ScanScript(Script{Where: "t", Text: `go run ./ci/airgap cli`}, nil); !strings.Contains(strings.Join(f.Problems, "\n"), "without --out DIR") {
		t.Errorf("a source install without --out passed: %q", f.Problems)
	}
	// A copy of the repository's truth whose build module pins another release.
	root := t.TempDir()
	real := repoRoot(t)
	for _, rel := range []string{"ci/calls.txt", "dagger.json", BuildModule} {
		b, err := os.ReadFile(filepath.Join(real, rel))
		if err != nil {
			t.Fatal(err)
		}
		if rel == BuildModule {
			b = []byte(strings.ReplaceAll(string(b), "github.com/dagger/dagger v0.19.7", "github.com/dagger/dagger v0.19.8"))
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, rel), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := LoadTruth(root)
	if err != nil {
		t.Fatal(err)
	}
	if tr.BuildVersion != "0.19.8" {
		t.Fatalf("build module version read as %q", tr.BuildVersion)
	}
	v := &Vendor{Name: "t", Jobs: []Job{{Where: "job", Installs: f.Installs}}}
	want := `builds Dagger "0.19.8" (ci/airgap/daggerbuild/go.mod), want "0.19.7" from dagger.json`
	if got := strings.Join(tr.Compare(v), "\n"); !strings.Contains(got, want) {
		t.Errorf("want %q among:\n%s", want, got)
	}
}

func TestOIDCHelperIsOneScript(t *testing.T) {
	root := repoRoot(t)
	var first []byte
	for _, vendor := range []string{"gitlab", "circleci", "jenkins"} {
		b, err := os.ReadFile(filepath.Join(root, "ci", vendor, "aws-oidc.sh"))
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
		} else if string(b) != string(first) {
			t.Errorf("ci/%s/aws-oidc.sh differs from ci/gitlab/aws-oidc.sh; keep the copies identical", vendor)
		}
	}
	f, err := ScanScript(Script{Where: "aws-oidc.sh", Text: string(first)}, map[string]bool{
		"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Problems {
		t.Error(p)
	}
}

// TestJenkinsStructure: the root Jenkinsfile checks out and loads the pipeline, which
// has the stages the docs name.
func TestJenkinsStructure(t *testing.T) {
	root := repoRoot(t)
	read := func(rel string) *Groovy {
		src, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseGroovy(string(src))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		for _, p := range g.Problems {
			t.Errorf("%s: %s", rel, p)
		}
		return g
	}
	top := read("Jenkinsfile")
	var names []string
	for _, s := range top.Steps {
		names = append(names, s.Name+":"+s.Arg)
	}
	// readTrusted, not load: a pull request's own copy of the pipeline must not run
	// (Jenkins aborts the build when an untrusted change touches the file).
	if got := strings.Join(names, " "); got != "node:docker readTrusted:ci/jenkins/pipeline.groovy" {
		t.Errorf("Jenkinsfile steps = %q, want the pipeline read with readTrusted", got)
	}
	src, _ := os.ReadFile(filepath.Join(root, "Jenkinsfile"))
	if i, j := strings.Index(string(src), "checkout scm"), strings.Index(string(src), "readTrusted("); i < 0 || i > j {
		t.Error("Jenkinsfile must `checkout scm` before `readTrusted`")
	}
	stages := map[string]bool{}
	for _, s := range read("ci/jenkins/pipeline.groovy").Steps {
		if s.Name == "stage" {
			stages[s.Arg] = true
		}
	}
	for _, s := range []string{"Install Dagger", "Check", "Plan", "Deploy"} {
		if !stages[s] {
			t.Errorf("ci/jenkins/pipeline.groovy has no stage %q", s)
		}
	}
}

func TestShellCanonicalForm(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`dagger call aws --region="$AWS_REGION" environment plan`, "call aws --region=${AWS_REGION} environment plan"},
		{`dagger call aws --region=$AWS_REGION environment plan`, "call aws --region=${AWS_REGION} environment plan"},
		{`dagger call aws '--region='"${AWS_REGION}" environment plan`, "call aws --region=${AWS_REGION} environment plan"},
		{"dagger call aws \\\n  --region=\"$AWS_REGION\" \\\n  environment plan > plan.md", "call aws --region=${AWS_REGION} environment plan"},
		{"x=1; if true; then dagger call check | tee out; fi", "call check"},
	} {
		f, err := ScanScript(Script{Where: "t", Text: c.src}, nil)
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		if len(f.Calls) != 1 || strings.Join(f.Calls[0].Words, " ") != c.want {
			t.Errorf("%q: calls %+v, want %q", c.src, f.Calls, c.want)
		}
	}
	for _, bad := range []string{`dagger call aws --region="$(cat region)" environment plan`, `dagger call aws --region="${AWS_REGION:-eu-west-1}" environment plan`} {
		if _, err := ScanScript(Script{Where: "t", Text: bad}, nil); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	if f, _ := ScanScript(Script{Where: "t", Text: "dagger version"}, nil); len(f.Calls) != 0 {
		t.Errorf("dagger version counted as a call")
	}
}

// TestJenkinsHarnessAgrees cross-checks the Groovy reader against Groovy itself:
// the module's jenkins-harness check runs the pipeline under real Groovy with stub steps
// (ci/jenkins/harness/run.groovy) for a pull request and for main, and points
// EVENTMALL_JENKINS_SH_DIRS at the recorded sh scripts. Each must equal, byte for byte,
// a script this package decoded, and together they must make the calls of calls.txt.
func TestJenkinsHarnessAgrees(t *testing.T) {
	dirs := os.Getenv("EVENTMALL_JENKINS_SH_DIRS")
	if dirs == "" {
		t.Skip("EVENTMALL_JENKINS_SH_DIRS not set (the module's jenkins-harness check sets it after running the Groovy harness)")
	}
	root := repoRoot(t)
	tr := truth(t)
	decoded := map[string]bool{}
	for _, rel := range []string{"Jenkinsfile", "ci/jenkins/pipeline.groovy"} {
		src, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseGroovy(string(src))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range g.Steps {
			if s.Name == "sh" {
				decoded[s.Arg] = true
			}
		}
	}
	v := &Vendor{Name: "jenkins (run under Groovy)"}
	for _, dir := range filepath.SplitList(dirs) {
		files, err := filepath.Glob(filepath.Join(dir, "*.sh"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no scripts in %s", dir)
		}
		j := Job{Where: dir}
		for _, f := range files {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !decoded[string(text)] {
				t.Errorf("%s: Groovy ran a script the reader did not decode identically:\n%s", f, text)
			}
			role, _ := os.ReadFile(strings.TrimSuffix(f, ".sh") + ".role") // the harness's record of withEnv's AWS_ROLE_ARN
			if err := addScript(v, &j, Script{Where: f, Text: string(text), Env: map[string]string{}, Role: string(role)}, tr); err != nil {
				t.Fatal(err)
			}
		}
		v.Jobs = append(v.Jobs, j)
	}
	for _, p := range tr.Compare(v) {
		t.Error(p)
	}
}
