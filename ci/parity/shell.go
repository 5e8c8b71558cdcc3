// Package parity extracts the `dagger call` invocations and Dagger CLI installs from
// every CI vendor's files and compares them with ci/calls.txt, the single source of
// truth. See parity_test.go.
package parity

import (
	"fmt"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Objects are the module's functions that return an object instead of acting: a call
// goes through them to its action, and the flags written after each belong to it
// (`dagger call aws --region=… environment --name=… deploy summary`). They are part of
// the call's function path (Call.Function), and their flags part of its arguments.
var Objects = map[string]string{
	"aws":         "the AWS account: credentials and region",
	"environment": "one environment in that account: its state, lock table and Slack channel",
}

// Call is one `dagger call` found in a script.
type Call struct {
	Where string   // vendor file and job/step, for messages
	Words []string // canonical words after `dagger` ("call", "aws", "--region=${AWS_REGION}", ...)
	// Function is the call's function path: the object functions (Objects) it goes
	// through and the action after them, joined by spaces ("aws environment deploy";
	// "check" for a function of the module itself).
	Function string
	// Role is the AWS identity the job assumes for this call, as the vendor file writes it
	// (a role ARN variable, a CircleCI context); "" when it assumes none.
	Role string
}

// Arg is one --name=value argument of a call, and the function of the path it is given
// to (On: "aws", "environment", "deploy").
type Arg struct{ Name, Value, On string }

// Segment is one function of a call's path and the flags written right after it.
type Segment struct {
	Name  string
	Flags []string
}

// split divides the words after `call` into the function path, each function with the
// flags right after it (objects first, then the action), and what the call chains
// after the action's flags.
func (c Call) split() (path []Segment, chain []string) {
	if len(c.Words) == 0 {
		return nil, nil
	}
	rest := c.Words[1:]
	for len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
		rest = rest[1:] // flags before the function
	}
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		_, object := Objects[name]
		n := 0
		for n < len(rest) && strings.HasPrefix(rest[n], "-") {
			if object && !strings.Contains(rest[n], "=") && n+1 < len(rest) && !strings.HasPrefix(rest[n+1], "-") {
				// `--flag value`: every flag of an object takes a value, so the next word
				// is this one's, as the CLI reads it, not the next function (Args
				// refuses the spelling).
				n++
			}
			n++
		}
		path = append(path, Segment{Name: name, Flags: rest[:n]})
		rest = rest[n:]
		if !object {
			break // the action
		}
	}
	return path, rest
}

// Path returns the call's function path with each function's flags.
func (c Call) Path() []Segment {
	path, _ := c.split()
	return path
}

// functionPath is the names of the path joined by spaces (Call.Function).
func functionPath(path []Segment) string {
	names := make([]string, len(path))
	for i, s := range path {
		names[i] = s.Name
	}
	return strings.Join(names, " ")
}

// Args returns the arguments of every function of the call's path, in order (the
// objects' first, then the action's), up to what the call chains (Chain).
func (c Call) Args() ([]Arg, error) {
	var out []Arg
	for _, seg := range c.Path() {
		for _, w := range seg.Flags {
			if !strings.HasPrefix(w, "--") {
				return nil, fmt.Errorf("%s: argument %q of `dagger call %s` is not written --name=value", c.Where, w, c.Function)
			}
			name, value, ok := strings.Cut(w, "=")
			if !ok {
				return nil, fmt.Errorf("%s: argument %q of `dagger call %s` is not written --name=value", c.Where, w, c.Function)
			}
			out = append(out, Arg{Name: name, Value: value, On: seg.Name})
		}
	}
	return out, nil
}

// Chain returns what the call chains after the action's arguments (e.g. deploy's
// "summary": the report's stage table), words as written.
func (c Call) Chain() []string {
	_, chain := c.split()
	return chain
}

// Install is one installation of the Dagger CLI: built from the pinned source
// (`go run ./ci/airgap cli --out DIR`), or, refused but still read for its
// version, Dagger's install script piped to a shell or the
// dagger/dagger-for-github action.
type Install struct {
	Where   string
	Version string // resolved version, "" when none was given (the script then installs the latest)
	Raw     string // the version as written, before resolution
	// Source: built by `go run ./ci/airgap cli`; the version is the build
	// module's (Truth.BuildVersion), not written in the vendor file.
	Source bool
}

// sourceInstall is the one accepted way to install the CLI: the air-gapped
// tool's cli command, which builds it from ci/airgap/daggerbuild.
const sourceInstall = "go run ./ci/airgap cli --out DIR"

// shells run the script they read from stdin or from an argument.
var shells = map[string]bool{"sh": true, "bash": true, "dash": true, "zsh": true, "ksh": true, "ash": true, "busybox": true}

// downloaders fetch a URL.
var downloaders = map[string]bool{"curl": true, "wget": true, "fetch": true, "aria2c": true}

// callName is the command a call runs, looking through sudo/env/command
// prefixes and variable assignments (`sudo -E sh`, `env X=1 bash`).
func callName(ce *syntax.CallExpr) string {
	for _, w := range ce.Args {
		name := path.Base(wordText(w))
		switch {
		case name == "sudo" || name == "env" || name == "command" || name == "exec" || name == "nice":
			continue
		case strings.HasPrefix(name, "-") || strings.Contains(name, "="):
			continue // a prefix's flag (sudo -E) or env's assignment
		}
		return name
	}
	return ""
}

// firstDownloader names a download command inside n, if any.
func firstDownloader(n syntax.Node) string {
	found := ""
	syntax.Walk(n, func(m syntax.Node) bool {
		if found != "" {
			return false
		}
		if ce, ok := m.(*syntax.CallExpr); ok && len(ce.Args) > 0 && downloaders[callName(ce)] {
			found = callName(ce)
		}
		return true
	})
	return found
}

// pipedDownloads finds a download run as a script: `curl … | sh`,
// `wget -O- … | sudo bash`, `sh -c "$(curl …)"`, `bash <(curl …)`,
// `eval "$(curl …)"`, `. <(curl …)`.
func pipedDownloads(where string, file *syntax.File) []string {
	var probs []string
	msg := func(dl, sh string) {
		probs = append(probs, fmt.Sprintf("%s: pipes a download (%s) into %s: the script runs unchecked, whatever the server sends; build the Dagger CLI from its pinned source instead (`%s`, see ci/README.md)", where, dl, sh, sourceInstall))
	}
	syntax.Walk(file, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.BinaryCmd:
			if n.Op != syntax.Pipe && n.Op != syntax.PipeAll {
				return true
			}
			ce, ok := n.Y.Cmd.(*syntax.CallExpr)
			if !ok || len(ce.Args) == 0 {
				return true
			}
			if sh := callName(ce); shells[sh] || sh == "source" || sh == "." {
				if dl := firstDownloader(n.X); dl != "" {
					msg(dl, sh)
				}
			}
		case *syntax.CallExpr:
			if len(n.Args) == 0 {
				return true
			}
			if sh := callName(n); shells[sh] || sh == "eval" || sh == "source" || sh == "." {
				for _, w := range n.Args[1:] {
					if dl := firstDownloader(w); dl != "" {
						msg(dl, sh)
						break
					}
				}
			}
		}
		return true
	})
	return probs
}

// Script is a piece of shell text from a vendor file with the environment that the
// vendor file itself sets around it (for resolving DAGGER_VERSION).
type Script struct {
	Where string
	Text  string
	Env   map[string]string
	// Role: the identity the script's calls run as (see Call.Role).
	Role string
}

// Found is what a script holds.
type Found struct {
	Calls    []Call
	Installs []Install
	Problems []string // secret echoed, xtrace on, ...
}

var parser = syntax.NewParser(syntax.Variant(syntax.LangBash))

// ScanScript parses shell text and returns the dagger calls and installs in it.
// secretEnv names the variables that must never be printed.
func ScanScript(s Script, secretEnv map[string]bool) (Found, error) {
	var f Found
	file, err := parser.Parse(strings.NewReader(s.Text), s.Where)
	if err != nil {
		return f, fmt.Errorf("%s: shell does not parse: %v", s.Where, err)
	}
	var walkErr error
	syntax.Walk(file, func(n syntax.Node) bool {
		if walkErr != nil {
			return false
		}
		ce, ok := n.(*syntax.CallExpr)
		if !ok || len(ce.Args) == 0 {
			return true
		}
		words := make([]string, 0, len(ce.Args))
		for _, w := range ce.Args {
			words = append(words, wordText(w))
		}
		cmd := path.Base(words[0])
		switch {
		case cmd == "dagger":
			c, isCall, err := daggerCall(s.Where, ce)
			if err != nil {
				walkErr = err
				return false
			}
			if isCall {
				f.Calls = append(f.Calls, c)
			}
		case cmd == "go" && len(words) >= 4 && words[1] == "run" && path.Clean(words[2]) == "ci/airgap" && words[3] == "cli":
			out := ""
			for i, w := range words[4:] {
				if strings.HasPrefix(w, "--out=") {
					out = strings.TrimPrefix(w, "--out=")
				} else if w == "--out" && 4+i+1 < len(words) {
					out = words[4+i+1]
				}
			}
			if out == "" {
				f.Problems = append(f.Problems, fmt.Sprintf("%s: `go run ./ci/airgap cli` without --out DIR", s.Where))
			}
			f.Installs = append(f.Installs, Install{Where: s.Where, Raw: BuildModule, Source: true})
		case cmd == "sh" || cmd == "bash":
			for _, a := range ce.Assigns {
				if a.Name != nil && a.Name.Value == "DAGGER_VERSION" {
					raw := ""
					if a.Value != nil {
						raw = wordText(a.Value)
					}
					f.Installs = append(f.Installs, Install{Where: s.Where, Raw: raw, Version: resolve(raw, s.Env)})
				}
			}
		case cmd == "echo" || cmd == "printf" || cmd == "cat":
			for _, w := range ce.Args[1:] {
				for _, name := range paramNames(w) {
					if secretEnv[name] {
						f.Problems = append(f.Problems, fmt.Sprintf("%s: %s prints the secret $%s", s.Where, cmd, name))
					}
				}
			}
		case cmd == "set":
			for _, w := range words[1:] {
				if w == "-x" || w == "xtrace" || (strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && strings.Contains(w, "x")) {
					f.Problems = append(f.Problems, fmt.Sprintf("%s: `set %s` turns on xtrace, which prints commands and their values", s.Where, strings.Join(words[1:], " ")))
				}
			}
		}
		return true
	})
	if walkErr != nil {
		return f, walkErr
	}
	f.Problems = append(f.Problems, pipedDownloads(s.Where, file)...)
	// An install script piped to a shell without DAGGER_VERSION installs the latest.
	if strings.Contains(s.Text, "dl.dagger.io/dagger/install.sh") {
		pinned := false
		for _, in := range f.Installs {
			if in.Where == s.Where {
				pinned = true
			}
		}
		if !pinned {
			f.Installs = append(f.Installs, Install{Where: s.Where})
		}
	}
	return f, nil
}

func resolve(raw string, env map[string]string) string {
	// "${NAME}" alone resolves through the vendor file's own environment.
	if strings.HasPrefix(raw, "${") && strings.HasSuffix(raw, "}") && strings.Count(raw, "$") == 1 {
		v, ok := env[raw[2:len(raw)-1]]
		if !ok {
			return ""
		}
		return resolve(v, env)
	}
	if strings.Contains(raw, "$") {
		return ""
	}
	return raw
}

// daggerCall turns `dagger [global flags] call ...` into a Call. Other verbs
// (`dagger version`) are not calls.
func daggerCall(where string, ce *syntax.CallExpr) (Call, bool, error) {
	var words []string
	for _, w := range ce.Args[1:] {
		cw, err := canonicalWord(w)
		if err != nil {
			return Call{}, false, fmt.Errorf("%s: in a dagger call: %v", where, err)
		}
		words = append(words, cw)
	}
	i := 0
	for i < len(words) && strings.HasPrefix(words[i], "-") {
		i++
	}
	if i >= len(words) || words[i] != "call" {
		return Call{}, false, nil
	}
	if i > 0 {
		return Call{}, false, fmt.Errorf("%s: global flags %q before `call` differ from calls.txt", where, words[:i])
	}
	if len(ce.Assigns) > 0 {
		return Call{}, false, fmt.Errorf("%s: variables assigned on the dagger call line; set them in the vendor's environment instead", where)
	}
	c := Call{Where: where, Words: words}
	c.Function = functionPath(c.Path())
	return c, true, nil
}

// canonicalWord renders a shell word as the value the shell would pass, with simple
// parameter expansions kept as ${NAME}: `--region="$AWS_REGION"`, `--region=$AWS_REGION`
// and `'--region='"${AWS_REGION}"` all become `--region=${AWS_REGION}`. Anything the
// reader of a CI file cannot see at a glance (command substitution, ${X:-default},
// arithmetic, globs in braces) is refused.
func canonicalWord(w *syntax.Word) (string, error) {
	var b strings.Builder
	if err := canonicalParts(&b, w.Parts, false); err != nil {
		return "", err
	}
	return b.String(), nil
}

func canonicalParts(b *strings.Builder, parts []syntax.WordPart, inDouble bool) error {
	for _, p := range parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(unescape(p.Value, inDouble))
		case *syntax.SglQuoted:
			if p.Dollar {
				return fmt.Errorf("$'...' quoting is not allowed")
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			if err := canonicalParts(b, p.Parts, true); err != nil {
				return err
			}
		case *syntax.ParamExp:
			if p.Excl || p.Length || p.Width || p.Index != nil || p.Slice != nil || p.Repl != nil || p.Exp != nil || p.Names != 0 || p.Param == nil {
				return fmt.Errorf("parameter expansion other than $NAME is not allowed")
			}
			b.WriteString("${" + p.Param.Value + "}")
		default:
			return fmt.Errorf("%T is not allowed (only literals and $NAME)", p)
		}
	}
	return nil
}

func unescape(s string, inDouble bool) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			n := s[i+1]
			if !inDouble || strings.IndexByte("$`\"\\\n", n) >= 0 {
				if n != '\n' {
					b.WriteByte(n)
				}
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// wordText is a lenient rendering used to recognise commands and install versions.
func wordText(w *syntax.Word) string {
	if s, err := canonicalWord(w); err == nil {
		return s
	}
	var b strings.Builder
	syntax.NewPrinter().Print(&b, w)
	return b.String()
}

func paramNames(w *syntax.Word) []string {
	var names []string
	syntax.Walk(w, func(n syntax.Node) bool {
		if pe, ok := n.(*syntax.ParamExp); ok && pe.Param != nil {
			names = append(names, pe.Param.Value)
		}
		return true
	})
	return names
}
