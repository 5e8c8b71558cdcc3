package parity

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A small, honest reader of Jenkinsfiles: not a Groovy parser, but a lexer that knows
// Groovy's comments and string literals ('…', "…", '''…''', """…"""), checks that
// braces, brackets and parentheses balance, and finds steps written as
// `name 'literal'`, `name('literal')` or `name(script: 'literal', …)`. It does not know
// slashy strings (/…/, $/…/$); a pipeline that needs them should not keep its shell
// steps in them. A step it cannot read literally (a variable, a concatenation, a
// GString with ${…}) is reported as a problem, never skipped silently.

// GroovyStep is one step call with a literal string argument.
type GroovyStep struct {
	Name string
	Arg  string // decoded string value
	Line int
}

// Groovy is what ParseGroovy found.
type Groovy struct {
	Steps    []GroovyStep
	Problems []string
}

type gtok struct {
	kind   byte // 'i' ident, 's' string, 'p' punctuation, 'n' number
	text   string
	interp bool // GString with interpolation
	line   int
}

// ParseGroovy lexes src, checks balance and extracts steps.
func ParseGroovy(src string) (*Groovy, error) {
	toks, err := lexGroovy(src)
	if err != nil {
		return nil, err
	}
	g := &Groovy{}
	watched := map[string]bool{"sh": true, "load": true, "readTrusted": true, "stage": true, "node": true, "checkout": true, "archiveArtifacts": true}
	for i, t := range toks {
		if t.kind != 'i' || !watched[t.text] {
			continue
		}
		if i > 0 && toks[i-1].kind == 'p' && toks[i-1].text == "." {
			continue // a method of some object, not the step
		}
		if i > 0 && toks[i-1].kind == 'i' && toks[i-1].text == "def" {
			continue
		}
		arg, ok, problem := stepArg(toks, i)
		if problem != "" {
			if t.text == "sh" || t.text == "load" || t.text == "readTrusted" {
				g.Problems = append(g.Problems, fmt.Sprintf("line %d: %s step: %s", t.line, t.text, problem))
			}
			continue
		}
		if !ok {
			continue
		}
		g.Steps = append(g.Steps, GroovyStep{Name: t.text, Arg: arg, Line: t.line})
	}
	return g, nil
}

// stepArg finds the literal string argument of the step at toks[i].
func stepArg(toks []gtok, i int) (string, bool, string) {
	lit := func(j int) (string, bool, string) {
		if j >= len(toks) || toks[j].kind != 's' {
			return "", false, "argument is not a literal string; the parity test cannot read it"
		}
		if toks[j].interp {
			return "", false, "GString with ${…} or $name: Groovy would interpolate it (a secret would reach the command line); use single quotes and let the shell expand"
		}
		if j+1 < len(toks) && toks[j+1].kind == 'p' && toks[j+1].text == "+" {
			return "", false, "string concatenation; the parity test cannot read it"
		}
		return toks[j].text, true, ""
	}
	j := i + 1
	if j >= len(toks) {
		return "", false, ""
	}
	switch {
	case toks[j].kind == 's':
		return lit(j)
	case toks[j].kind == 'p' && toks[j].text == "(":
		if j+1 < len(toks) && toks[j+1].kind == 's' {
			return lit(j + 1)
		}
		// named arguments: look for script: '…' inside the parentheses
		depth := 0
		for k := j; k < len(toks); k++ {
			if toks[k].kind == 'p' {
				switch toks[k].text {
				case "(", "[", "{":
					depth++
				case ")", "]", "}":
					depth--
				}
				if depth == 0 {
					break
				}
			}
			if depth == 1 && toks[k].kind == 'i' && toks[k].text == "script" && k+2 < len(toks) && toks[k+1].text == ":" {
				return lit(k + 2)
			}
		}
		if toks[i].text == "sh" {
			return "", false, "no literal script argument found"
		}
		return "", false, ""
	case toks[j].kind == 'i' && j+1 < len(toks) && toks[j+1].text == ":":
		// command form with named arguments: sh label: 'x', script: '…'
		for k := j; k < len(toks) && k < j+12; k++ {
			if toks[k].kind == 'p' && (toks[k].text == "{" || toks[k].text == "}") {
				break
			}
			if toks[k].kind == 'i' && toks[k].text == "script" && k+2 < len(toks) && toks[k+1].text == ":" {
				return lit(k + 2)
			}
		}
		if toks[i].text == "sh" {
			return "", false, "no literal script argument found"
		}
	case toks[i].text == "sh" || toks[i].text == "load":
		if toks[j].kind == 'i' || toks[j].kind == 'n' {
			return "", false, "argument is not a literal string; the parity test cannot read it"
		}
	}
	return "", false, ""
}

func lexGroovy(src string) ([]gtok, error) {
	var toks []gtok
	var stack []gtok
	line := 1
	rs := []rune(src)
	n := len(rs)
	at := func(i int, s string) bool { return strings.HasPrefix(string(rs[i:min(n, i+len(s))]), s) }
	i := 0
	if at(0, "#!") {
		for i < n && rs[i] != '\n' {
			i++
		}
	}
	for i < n {
		c := rs[i]
		switch {
		case c == '\n':
			line++
			i++
		case unicode.IsSpace(c):
			i++
		case at(i, "//"):
			for i < n && rs[i] != '\n' {
				i++
			}
		case at(i, "/*"):
			start := line
			i += 2
			for i < n && !at(i, "*/") {
				if rs[i] == '\n' {
					line++
				}
				i++
			}
			if i >= n {
				return nil, fmt.Errorf("line %d: unterminated /* comment", start)
			}
			i += 2
		case c == '\'' || c == '"':
			q := string(c)
			triple := at(i, q+q+q)
			delim := q
			if triple {
				delim = q + q + q
			}
			start := line
			i += len(delim)
			var raw strings.Builder
			closed := false
			for i < n {
				if at(i, delim) {
					i += len(delim)
					closed = true
					break
				}
				if rs[i] == '\n' {
					if !triple {
						return nil, fmt.Errorf("line %d: newline in a %s-quoted string", start, q)
					}
					line++
				}
				if rs[i] == '\\' && i+1 < n {
					if rs[i+1] == '\n' {
						line++
					}
					raw.WriteRune(rs[i])
					raw.WriteRune(rs[i+1])
					i += 2
					continue
				}
				raw.WriteRune(rs[i])
				i++
			}
			if !closed {
				return nil, fmt.Errorf("line %d: unterminated string", start)
			}
			val, interp, err := decodeGroovyString(raw.String(), c == '"')
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", start, err)
			}
			toks = append(toks, gtok{kind: 's', text: val, interp: interp, line: start})
		case c == '_' || c == '$' || unicode.IsLetter(c):
			j := i
			for j < n && (rs[j] == '_' || rs[j] == '$' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			toks = append(toks, gtok{kind: 'i', text: string(rs[i:j]), line: line})
			i = j
		case unicode.IsDigit(c):
			j := i
			for j < n && (unicode.IsDigit(rs[j]) || rs[j] == '.' || unicode.IsLetter(rs[j])) {
				j++
			}
			toks = append(toks, gtok{kind: 'n', text: string(rs[i:j]), line: line})
			i = j
		default:
			t := gtok{kind: 'p', text: string(c), line: line}
			switch c {
			case '(', '[', '{':
				stack = append(stack, t)
			case ')', ']', '}':
				want := map[rune]string{')': "(", ']': "[", '}': "{"}[c]
				if len(stack) == 0 {
					return nil, fmt.Errorf("line %d: %q closes nothing", line, c)
				}
				top := stack[len(stack)-1]
				if top.text != want {
					return nil, fmt.Errorf("line %d: %q closes %q opened on line %d", line, c, top.text, top.line)
				}
				stack = stack[:len(stack)-1]
			}
			toks = append(toks, t)
			i++
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return nil, fmt.Errorf("line %d: %q is never closed", top.line, top.text)
	}
	return toks, nil
}

// decodeGroovyString applies Groovy's escapes. For double-quoted strings it also
// reports whether the string interpolates ($name or ${…} not escaped as \$).
func decodeGroovyString(raw string, double bool) (string, bool, error) {
	var b strings.Builder
	interp := false
	rs := []rune(raw)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if c == '\\' && i+1 < len(rs) {
			e := rs[i+1]
			i++
			switch e {
			case '\n':
				// backslash-newline: Groovy drops both (line continuation)
			case 'n':
				b.WriteRune('\n')
			case 't':
				b.WriteRune('\t')
			case 'r':
				b.WriteRune('\r')
			case 'b':
				b.WriteRune('\b')
			case 'f':
				b.WriteRune('\f')
			case '\\', '\'', '"', '$':
				b.WriteRune(e)
			case 'u':
				if i+4 >= len(rs) {
					return "", false, fmt.Errorf("short \\u escape")
				}
				v, err := strconv.ParseUint(string(rs[i+1:i+5]), 16, 32)
				if err != nil {
					return "", false, fmt.Errorf("bad \\u escape")
				}
				b.WriteRune(rune(v))
				i += 4
			default:
				return "", false, fmt.Errorf("unknown escape \\%c (Groovy refuses it; write \\\\%c)", e, e)
			}
			continue
		}
		if double && c == '$' && i+1 < len(rs) && (rs[i+1] == '{' || rs[i+1] == '_' || unicode.IsLetter(rs[i+1])) {
			interp = true
		}
		b.WriteRune(c)
	}
	return b.String(), interp, nil
}
