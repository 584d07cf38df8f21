package selinuxcil

import (
	"errors"
	"fmt"
	"strings"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// maxRawPolicy is the CRD's cap on spec.policy (1 MiB).
const maxRawPolicy = 1 << 20

// indent is what each line of a policy body is indented by when Raw wraps
// it in its block.
const indent = "    "

// Raw validates a RawSelinuxProfile and returns the CIL to install.
//
// spec.policy is usually the body of the policy, e.g.
//
//	(blockinherit container)
//	(allow process var_log_t ( dir ( open read )))
//
// which is trimmed and installed wrapped in the profile's block, each body
// line indented by four spaces:
//
//	(block errorlogger_default
//	    (blockinherit container)
//	    (allow process var_log_t ( dir ( open read )))
//	)
//
// A policy that already is exactly one top-level "(block <PolicyName> …)"
// is installed as written (trimmed, with a final newline). Either way the
// result must be that one block and nothing else, and what is inside must
// stay inside it: rawrules.go lists the statements refused and why.
func Raw(p *selinuxprofilev1alpha2.RawSelinuxProfile) ([]byte, error) {
	if p == nil {
		return nil, invalidf("object", "no RawSelinuxProfile given")
	}
	if err := checkObjectName(p.Name, p.Namespace); err != nil {
		return nil, err
	}
	policy := p.Spec.Policy
	if len(policy) > maxRawPolicy {
		return nil, invalidf("spec.policy", "is %d bytes; at most %d are allowed", len(policy), maxRawPolicy)
	}
	body, skippedLines := trimBlanks(policy)
	if body == "" {
		return nil, invalidf("spec.policy", "is empty")
	}
	nodes, err := parseCIL(body)
	if err != nil {
		return nil, policyError(err, skippedLines)
	}

	name := PolicyName(p.Name, p.Namespace)
	out, shift := body+"\n", skippedLines
	if !isOneBlock(nodes) {
		out, shift = wrap(name, body), skippedLines-1
		if nodes, err = parseCIL(out); err != nil {
			return nil, policyError(err, shift)
		}
	}
	// What is checked is exactly what is installed.
	if err := checkPolicy(nodes, name); err != nil {
		return nil, policyError(err, shift)
	}
	return []byte(out), nil
}

// trimBlanks trims CIL's blanks (not every Unicode space: what is kept
// must be what secilc reads) and counts the lines trimmed at the start.
func trimBlanks(s string) (string, int) {
	trimmed := strings.TrimLeft(s, " \t\r\n")
	skipped := strings.Count(s[:len(s)-len(trimmed)], "\n")
	return strings.TrimRight(trimmed, " \t\r\n"), skipped
}

// isOneBlock reports whether the text is one top-level block statement.
func isOneBlock(nodes []*node) bool {
	if len(nodes) != 1 {
		return false
	}
	kw, ok := nodes[0].head()
	return ok && kw == "block"
}

// wrap puts a policy body in the block named name.
func wrap(name, body string) string {
	return "(block " + name + "\n" + indent + strings.ReplaceAll(body, "\n", "\n"+indent) + "\n)\n"
}

// policyError turns a problem found in the installed text into an
// *InvalidError on spec.policy, with the line number of the text as the
// user wrote it (shift lines further down).
func policyError(err error, shift int) error {
	var le *lineError
	if !errors.As(err, &le) {
		return invalidf("spec.policy", "%v", err)
	}
	if line := le.line + shift; le.line > 0 && line > 0 {
		return invalidf("spec.policy", "line %d: %s", line, le.msg)
	}
	return invalidf("spec.policy", "%s", le.msg)
}

// checkPolicy checks the parsed text to install: exactly one top-level
// statement, the block named name, holding only statements that stay
// inside it.
func checkPolicy(nodes []*node, name string) error {
	if len(nodes) != 1 {
		return lineErrorf(0, "has %d top-level statements; everything must be inside the one block %s", len(nodes), name)
	}
	top := nodes[0]
	if kw, ok := top.head(); !ok || kw != "block" {
		return lineErrorf(top.line, "the top-level statement must be (block %s …)", name)
	}
	if len(top.list) < 2 || top.list[1].isList || top.list[1].atom != name {
		got := "no name"
		if len(top.list) >= 2 && !top.list[1].isList {
			got = fmt.Sprintf("%q", top.list[1].atom)
		}
		return lineErrorf(top.line, "the top-level block has %s; it must be %q (<name>_<namespace>), so that profiles cannot replace each other", got, name)
	}
	if len(top.list) == 2 {
		return lineErrorf(top.line, "the block %s holds no statements", name)
	}
	if err := checkAtoms(top); err != nil {
		return err
	}
	c := newChecker(name, top)
	return c.checkStatements(top.list[2:], c.scopes[top])
}
