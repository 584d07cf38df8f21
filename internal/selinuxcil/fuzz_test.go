package selinuxcil

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// The fuzz properties check outputs with a reader of their own, written
// from secilc's lexer rules independently of parseCIL, so that a bug
// shared by the code and its check cannot hide.

// secilcToken matches one token the way secilc's flex lexer does; a byte
// it does not match is flex's UNKNOWN token.
var secilcToken = regexp.MustCompile(`^(?:` +
	`(?P<blank>[ \t]+)|(?P<newline>[\n\r])|(?P<comment>;)|` +
	`(?P<open>\()|(?P<close>\))|(?P<qstring>"[^"\n]*")|` +
	"(?P<symbol>[a-zA-Z0-9\\[\\]\\.@=/*\\-_$%+!|&^:~`#{}'<>?,]+))")

// sexpr is a list or, when !isList, an atom.
type sexpr struct {
	isList bool
	list   []sexpr
	atom   string
}

// readAsSecilc reads text into top-level expressions the way secilc's
// parser does (a comment runs over whatever tokens come before the next
// newline token), or fails the test if secilc would refuse it.
func readAsSecilc(t *testing.T, text string) []sexpr {
	t.Helper()
	names := secilcToken.SubexpNames()
	stack := [][]sexpr{nil}
	inComment := false
	for rest := text; rest != ""; {
		kind, size := "unknown", 1
		if m := secilcToken.FindStringSubmatchIndex(rest); m != nil {
			size = m[1]
			for i := 1; i < len(names); i++ {
				if m[2*i] >= 0 {
					kind = names[i]
				}
			}
		}
		tok := rest[:size]
		if kind == "comment" && strings.HasPrefix(rest, ";;*") {
			t.Fatalf("line mark in output:\n%s", text)
		}
		rest = rest[size:]
		if inComment {
			inComment = kind != "newline"
			continue
		}
		switch kind {
		case "unknown":
			t.Fatalf("secilc cannot read %q in output:\n%s", tok, text)
		case "comment":
			inComment = true
		case "open":
			stack = append(stack, nil)
		case "close":
			if len(stack) == 1 {
				t.Fatalf("unbalanced ')' in output:\n%s", text)
			}
			done := sexpr{isList: true, list: stack[len(stack)-1]}
			stack = stack[:len(stack)-1]
			stack[len(stack)-1] = append(stack[len(stack)-1], done)
		case "qstring", "symbol":
			if len(stack) == 1 {
				t.Fatalf("atom %q outside parentheses in output:\n%s", tok, text)
			}
			stack[len(stack)-1] = append(stack[len(stack)-1], sexpr{atom: strings.Trim(tok, `"`)})
		}
	}
	if len(stack) != 1 {
		t.Fatalf("unbalanced '(' in output:\n%s", text)
	}
	return stack[0]
}

// policyBlock checks that the output is exactly one top-level
// (block <policyName> …) and returns its statements.
func policyBlock(t *testing.T, text, policyName string) []sexpr {
	t.Helper()
	top := readAsSecilc(t, text)
	if len(top) != 1 || !top[0].isList || len(top[0].list) < 2 ||
		top[0].list[0].atom != "block" || top[0].list[1].isList || top[0].list[1].atom != policyName {
		t.Fatalf("output is not one (block %s …):\n%s", policyName, text)
	}
	return top[0].list[2:]
}

// forbidden are the statements the brief names as reaching outside the
// block or global-only.
var forbidden = strings.Fields(`in mls handleunknown policycap sid sidorder sidcontext classorder
	sensitivityorder categoryorder sensitivity category sensitivitycategory class common classcommon
	defaultuser defaultrole defaulttype defaultrange fsuse genfscon portcon netifcon nodecon`)

// noForbidden walks every list (but a macro's parameters) for forbidden
// statements and every atom for global names.
func noForbidden(t *testing.T, e sexpr, text string) {
	t.Helper()
	if !e.isList {
		if strings.HasPrefix(e.atom, ".") {
			t.Fatalf("global name %q in output:\n%s", e.atom, text)
		}
		return
	}
	if len(e.list) > 0 && !e.list[0].isList && slices.Contains(forbidden, e.list[0].atom) {
		t.Fatalf("forbidden statement %q in output:\n%s", e.list[0].atom, text)
	}
	for i, child := range e.list {
		if i == 2 && len(e.list) > 0 && e.list[0].atom == "macro" {
			continue
		}
		noForbidden(t, child, text)
	}
}

var (
	allowLine   = regexp.MustCompile(`^\(allow process [A-Za-z0-9_.-]+ \( [a-z0-9_]+ \( [a-z0-9_]+( [a-z0-9_]+)* \)\)\)$`)
	inheritLine = regexp.MustCompile(`^\(blockinherit [A-Za-z0-9_.-]+\)$`)
)

func FuzzTranslate(f *testing.F) {
	f.Add("nginx-secure", "nginx-deploy", []byte(`{"inherit":[{"kind":"System","name":"container"}],"allow":{"@self":{"tcp_socket":["listen"]},"http_cache_port_t":{"tcp_socket":["name_bind"]},"node_t":{"tcp_socket":["node_bind"]}}}`), "", "")
	f.Add("p", "ns", []byte(`{"permissive":true,"inherit":[{"kind":"SelinuxProfile","name":"foo"},{"name":"net_container"}],"allow":{"foo_ns.process":{"file":["read","read","open"]}}}`), "container,net_container", "foo")
	f.Add("p", "ns", []byte(`{"allow":{"var_log_t) (typeattribute x (process)":{"dir":["open"]}}}`), "", "")
	f.Add("p", "ns", []byte(`{"allow":{"t":{"file":["not","read"]}}}`), "", "")
	f.Add("p", "ns", []byte(`{"inherit":[{"name":"container)\n(in container"}]}`), "container)\n(in container", "")
	f.Add("p)(x", "ns", []byte(`{}`), "", "")
	f.Fuzz(func(t *testing.T, name, namespace string, specJSON []byte, allowed, exists string) {
		var s selinuxprofilev1alpha2.SelinuxProfileSpec
		if json.Unmarshal(specJSON, &s) != nil {
			return
		}
		o := Options{ProfileExists: existing(exists)}
		if allowed != "" {
			o.AllowedSystemProfiles = strings.Split(allowed, ",")
		}
		out, err := Translate(selinuxProfile(name, namespace, s), o)
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) || out != nil {
				t.Fatalf("error %v (%T) with output %q", err, err, out)
			}
			return
		}
		again, _ := Translate(selinuxProfile(name, namespace, s), o)
		if !bytes.Equal(out, again) {
			t.Fatalf("not deterministic:\n%s\nvs\n%s", out, again)
		}
		text := string(out)
		stmts := policyBlock(t, text, PolicyName(name, namespace))
		for _, st := range stmts {
			noForbidden(t, st, text)
		}
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if len(lines) != len(stmts)+2 || lines[len(lines)-1] != ")" {
			t.Fatalf("not one statement a line:\n%s", text)
		}
		for _, l := range lines[1 : len(lines)-1] {
			if !inheritLine.MatchString(l) && l != "(typepermissive process)" && !allowLine.MatchString(l) {
				t.Fatalf("unexpected statement %q in:\n%s", l, text)
			}
			if strings.HasPrefix(l, "(allow ") {
				perms := strings.Fields(l[strings.LastIndex(l, "( ")+2 : len(l)-4])
				if !slices.IsSorted(perms) || len(slices.Compact(slices.Clone(perms))) != len(perms) || permOperators[perms[0]] {
					t.Fatalf("permissions %q not sorted, unique plain names in:\n%s", perms, text)
				}
			}
		}
	})
}

func FuzzRaw(f *testing.F) {
	f.Add("errorlogger", "default", "(blockinherit container)\n(allow process var_log_t ( dir ( open read getattr lock search ioctl add_name remove_name write ))) \n")
	f.Add("x", "ns", "(block x_ns\n  (blockinherit container)\n)")
	f.Add("x", "ns", "(block tmpl (blockabstract tmpl) (type t))\r\n(blockinherit tmpl)\r\n(macro m ((type t)) (allow t self (file (read))))\r\n(call m (process))")
	f.Add("x", "ns", "(blockinherit container))\n(in container (type t))\n(")
	f.Add("x", "ns", "(type t) ; c\r(sid kernel)")
	f.Add("x", "ns", "(\"in\" container (type t))")
	f.Add("x", "ns", ";;* lme\n(type t)")
	f.Add("x", "ns", "(allow process \".shadow_t\" (file (read)))")
	f.Add("x", "ns", "(typeattribute a)(macro m ((typeattribute a)) (typeattributeset a (process)))")
	f.Fuzz(func(t *testing.T, name, namespace, policy string) {
		out, err := Raw(rawProfile(name, namespace, policy))
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) || out != nil {
				t.Fatalf("error %v (%T) with output %q", err, err, out)
			}
			return
		}
		text := string(out)
		if !strings.HasSuffix(text, "\n") {
			t.Fatalf("no final newline:\n%s", text)
		}
		if strings.ContainsRune(strings.ReplaceAll(text, "\r\n", ""), '\r') {
			t.Fatalf("lone carriage return in output:\n%q", text)
		}
		for _, st := range policyBlock(t, text, PolicyName(name, namespace)) {
			if !st.isList {
				t.Fatalf("atom %q directly in the block:\n%s", st.atom, text)
			}
			noForbidden(t, st, text)
		}
	})
}
