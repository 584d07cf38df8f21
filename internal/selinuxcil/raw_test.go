package selinuxcil

import (
	"strings"
	"testing"
)

// rawCases are the golden cases of Raw: testdata/<name>.golden, compiled
// by TestCompileGoldens like the translated ones.
var rawCases = map[string]struct{ name, namespace, policy string }{
	// The upstream example's shape: a body with trailing blanks, wrapped.
	"raw-wrapped": {"raw-logger", "ns", "(blockinherit container)\n" +
		"(allow process var_log_t ( dir ( open read getattr lock search ioctl add_name remove_name write ))) \n" +
		"(allow process var_log_t ( file ( getattr read write append ioctl lock map open create  ))) \n" +
		"(allow process var_log_t ( sock_file ( getattr read write append open  ))) \n"},
	// Already the profile's block: kept as written.
	"raw-block": {"raw-block", "ns", "\n\n(block raw-block_ns\n" +
		"  ; comments stay\n" +
		"  (blockinherit container)\n" +
		"  (allow process var_log_t ( file ( read )))\n" +
		")"},
	// What the scope rules accept: the policy's own template, attribute,
	// macro and alias, an optional's own attribute; CRLF line endings; a quoted
	// name.
	"raw-scoped": {"raw-scoped", "ns", "; our own template, made abstract and inherited\r\n" +
		"(block tmpl\r\n" +
		"    (blockabstract tmpl)\r\n" +
		"    (allow process var_log_t ( file ( read ))))\r\n" +
		"(blockinherit container)\r\n" +
		"(blockinherit tmpl)\r\n" +
		"(typeattribute readers)\r\n" +
		"(typeattributeset readers (process))\r\n" +
		"(macro search_logs ((type t))\r\n" +
		"    (allow t var_log_t ( dir ( search ))))\r\n" +
		"(call search_logs (\"process\"))\r\n" +
		"(typealias logs)\r\n" +
		"(typealiasactual logs var_log_t)\r\n" +
		"(optional opt\r\n" +
		"    (typeattribute local_readers)\r\n" +
		"    (typeattributeset local_readers (process)))\r\n"},
}

func TestRawGolden(t *testing.T) {
	for name, c := range rawCases {
		t.Run(name, func(t *testing.T) {
			got, err := Raw(rawProfile(c.name, c.namespace, c.policy))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, got)
		})
	}
}

// TestRawShape pins the two forms without golden files.
func TestRawShape(t *testing.T) {
	got, err := Raw(rawProfile("x", "ns", "  \n(blockinherit container)\n  (allow process t ( file ( read )))\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "(block x_ns\n    (blockinherit container)\n      (allow process t ( file ( read )))\n)\n"; string(got) != want {
		t.Errorf("wrapped:\n%q\nwant\n%q", got, want)
	}
	block := "(block x_ns (blockinherit container))"
	got, err = Raw(rawProfile("x", "ns", "\t"+block+"\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := block + "\n"; string(got) != want {
		t.Errorf("as a block:\n%q\nwant\n%q", got, want)
	}
}

// TestRawErrors: every refusal is an *InvalidError on spec.policy (or on
// the name) saying why, with the line as the user wrote it.
func TestRawErrors(t *testing.T) {
	cases := map[string]struct {
		policy string
		want   []string
	}{
		"empty":              {" \n\t", []string{"is empty"}},
		"only a comment":     {"; nothing", []string{"holds no statements"}},
		"empty block":        {"(block x_ns)", []string{"holds no statements"}},
		"unclosed":           {"(blockinherit container)\n(allow process t ( file ( read ))", []string{"line 2:", "never closed"}},
		"closes the block":   {"(blockinherit container))\n(sid kernel)\n(", []string{"line 1:", "without a matching"}},
		"unclosed string":    {"(allow process \"t ( file ( read )))", []string{"string is never closed"}},
		"string over lines":  {"(allow process \"t\n\" ( file ( read )))", []string{"not closed on its line"}},
		"another block name": {"(block other_ns (blockinherit container))", []string{`"other_ns"`, `"x_ns"`}},
		"block without name": {"(block (blockinherit container))", []string{"no name"}},
		"in":                 {"(blockinherit container)\n\n(in container (allow process shadow_t (file (read))))", []string{"line 3:", "in is not allowed", "another block"}},
		"quoted in":          {"(\"in\" container (allow process shadow_t (file (read))))", []string{"in is not allowed"}},
		"in nested":          {"(optional o (booleanif b (true (in container (type t)))))", []string{"in is not allowed"}},
		"abstract a template": {"(blockinherit container)\n(blockabstract container)",
			[]string{"line 2:", `blockabstract "container"`, "names no block declared in this policy"}},
		"abstract a nested block from outside": {"(block a (block b (type t)))\n(blockabstract b)",
			[]string{`blockabstract "b"`}},
		"abstract by path": {"(block a (type t))\n(blockabstract x_ns.a)", []string{"without '.'"}},
		"call a foreign macro": {"(blockinherit container)\n(call some_global_macro (process))",
			[]string{`call "some_global_macro"`, "never sees"}},
		"call another profile's macro": {"(call foo_ns.m (process))", []string{"without '.'"}},
		"attribute of the base policy": {"(blockinherit container)\n(typeattributeset domain (process))",
			[]string{`typeattributeset "domain"`}},
		"attribute through a macro parameter": {"(typeattribute a)\n(macro m ((typeattribute a)) (typeattributeset a (process)))\n(call m (domain))",
			[]string{`typeattributeset "a"`}},
		"attribute declared in an optional": {"(blockinherit container)\n(optional o (typeattribute domain) (allow process missing_t (file (read))))\n(typeattributeset domain (process))",
			[]string{"line 3:", `typeattributeset "domain"`}},
		"block declared in a branch": {"(tunableif t (true (block b (type u))))\n(blockabstract b)",
			[]string{`blockabstract "b"`}},
		"macro in an inner optional": {"(optional o (optional p (macro m () (type u))) (call m))",
			[]string{`call "m"`}},
		"alias of the base policy": {"(typealiasactual unlabeled_t process)", []string{`typealiasactual "unlabeled_t"`}},
		"scoped in arguments":      {"(allow process t (typeattributeset (read)))", []string{`"typeattributeset" inside the arguments of allow`}},
		"global name":              {"(allow process .shadow_t ( file ( read )))", []string{`".shadow_t" starts with '.'`}},
		"quoted global name":       {"(allow process \".shadow_t\" ( file ( read )))", []string{`".shadow_t" starts with '.'`}},
		"line mark":                {"(blockinherit container)\n;;* lme\n(sid kernel)", []string{"line 2:", "line marks"}},
		"indented line mark":       {"  ;;* lms 1 x.cil\n(type t)", []string{"line marks"}},
		"lone carriage return": {"(type t) ; comment\r(in container (type u))",
			[]string{"carriage return"}},
		"NUL":                  {"(type t)\x00(in container (type u))", []string{"unexpected character"}},
		"control in a comment": {"; \x1b[2K\n(type t)", []string{"control character"}},
		"backslash":            {"(type t\\)", []string{"unexpected character"}},
		"non-ASCII symbol":     {"(type t\u00e9)", []string{"unexpected character"}},
		"keyword in arguments": {"(allow process t (block (read)))", []string{`"block" inside the arguments of allow`}},
		"global in arguments":  {"(allow process t (sid (read)))", []string{`"sid" inside the arguments of allow`}},
		"unknown statement":    {"(frobnicate t)", []string{`unknown statement "frobnicate"`}},
		"no keyword":           {"((type t))", []string{"must start with a keyword"}},
		"bare word":            {"oops (type t)", []string{`"oops" is outside any parentheses`}},
		"bare word in a block": {"(block x_ns oops (type t))", []string{`"oops" stands outside`}},
		"bad macro parameters": {"(macro m ((type t) (type (in x))) (type u))", []string{"macro parameter"}},
		"deep":                 {strings.Repeat("(optional o ", 40) + strings.Repeat(")", 40), []string{"nest more than 32"}},
		"compiler internals":   {"(<src_info> <src_cil> x.cil (in container (type t)))", []string{"internal to the CIL compiler"}},
		"neverallow":           {"(neverallow domain shadow_t (file (read)))", []string{"block the installation of others"}},
		"constraint":           {"(constrain (file (read)) (eq t1 t2))", []string{"every domain"}},
		"file label":           {"(filecon \"/etc/shadow\" file ())", []string{"labels objects of the node"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Raw(rawProfile("x", "ns", c.policy))
			wantInvalid(t, err, "spec.policy", c.want...)
		})
	}
}

// TestRawGlobalOnlyStatements: each statement the brief names as
// global-only, and the others with effects outside the block, is refused
// wherever it stands in the block.
func TestRawGlobalOnlyStatements(t *testing.T) {
	for _, kw := range []string{
		"mls", "handleunknown", "policycap", "sid", "sidorder", "sidcontext", "classorder",
		"sensitivityorder", "categoryorder", "sensitivity", "category", "sensitivitycategory",
		"class", "common", "classcommon", "defaultuser", "defaultrole", "defaulttype", "defaultrange",
		"fsuse", "genfscon", "portcon", "netifcon", "nodecon", "filecon", "pirqcon", "iomemcon",
		"ioportcon", "pcidevicecon", "devicetreecon", "ibpkeycon", "ibendportcon",
		"userprefix", "selinuxuser", "selinuxuserdefault", "user", "userrole", "typebounds", "deny",
	} {
		for _, policy := range []string{
			"(" + kw + " x)",
			"(blockinherit container)\n(optional o (" + kw + " x))",
			"(type t)\n(block inner (" + kw + " x))",
		} {
			_, err := Raw(rawProfile("x", "ns", policy))
			wantInvalid(t, err, "spec.policy", kw+" is not allowed")
		}
	}
}

func TestRawLimitsAndNames(t *testing.T) {
	big := "(blockinherit container)\n;" + strings.Repeat("x", maxRawPolicy)
	_, err := Raw(rawProfile("x", "ns", big))
	wantInvalid(t, err, "spec.policy", "at most 1048576")

	_, err = Raw(rawProfile("x.y", "ns", "(blockinherit container)"))
	wantInvalid(t, err, "metadata.name", "no '.'")
	_, err = Raw(rawProfile("x", "n_s", "(blockinherit container)"))
	wantInvalid(t, err, "metadata.namespace")
	_, err = Raw(nil)
	wantInvalid(t, err, "object")
}
