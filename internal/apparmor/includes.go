package apparmor

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// includeTarget matches what follows an include keyword: an optional
// "if exists" and a <path> searched in the include tree.
var includeTarget = regexp.MustCompile(`^[ \t\r\n]*(?:if[ \t]+exists[ \t\r\n]+)?<([^>\n]*)>`)

// abiTarget matches what follows the abi keyword.
var abiTarget = regexp.MustCompile(`^[ \t\r\n]*<([^>\n]*)>`)

// includePathChars are the characters of an acceptable include path.
var includePathChars = regexp.MustCompile(`^[A-Za-z0-9._+@/-]+$`)

// checkIncludes refuses include and abi directives that could make the
// parser read a file outside the include tree. apparmor_parser opens an
// absolute, quoted or "../" path wherever it points, and its error
// messages quote what it read: a policy including the manager's service
// account token would report the token in its own status.
//
// Only <relative/path> targets pass. The scan is deliberately cruder than
// the parser's lexer and reads comments too: whether "#" starts a comment
// depends on the lexer's state (inside a mount or network rule it is part
// of a word, and an include after the rule's comma is honoured), so
// skipping what looks like a comment would let a directive through.
// Matching too much only rejects an odd policy with a clear message.
func checkIncludes(policy string) error {
	for _, kw := range []string{"include", "abi"} {
		for off := 0; ; {
			i := strings.Index(policy[off:], kw)
			if i < 0 {
				break
			}
			i += off
			off = i + len(kw)
			if !isDirective(policy, i, kw) {
				continue
			}
			re := includeTarget
			if kw == "abi" {
				re = abiTarget
			}
			m := re.FindStringSubmatch(policy[off:])
			if m == nil {
				return forbidden(policy, i, kw, "its target is not a <relative/path>")
			}
			if why := badIncludePath(m[1]); why != "" {
				return forbidden(policy, i, kw, fmt.Sprintf("<%s> %s", m[1], why))
			}
			// The target is read: a keyword inside it (<abi/3.0>) is not
			// a directive.
			off += len(m[0])
		}
	}
	return nil
}

// isDirective reports whether the keyword kw at policy[i] may be read as a
// directive: "#include" always; a bare "include" or "abi" when it is a
// word of its own (not part of a name or a path) and something follows.
func isDirective(policy string, i int, kw string) bool {
	if kw == "include" && i > 0 && policy[i-1] == '#' {
		return true
	}
	if i > 0 && (isWordByte(policy[i-1]) || policy[i-1] == '/') {
		return false
	}
	end := i + len(kw)
	if end >= len(policy) {
		return false
	}
	next := policy[end]
	if kw == "include" {
		return next == ' ' || next == '\t' || next == '<' || next == '"'
	}
	return !isWordByte(next)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// badIncludePath says what is wrong with an include path, or "".
func badIncludePath(p string) string {
	switch {
	case !includePathChars.MatchString(p):
		return "has characters other than letters, digits and ._+@/-"
	case strings.HasPrefix(p, "/"):
		return "is absolute"
	case p == "." || p == ".." || strings.HasPrefix(p, "../") || path.Clean(p) != p:
		return `is not a clean relative path (no "..", "." or "//")`
	}
	return ""
}

func forbidden(policy string, i int, kw, why string) *InvalidError {
	line := strings.Count(policy[:i], "\n") + 1
	return invalid(ReasonForbiddenInclude, fmt.Sprintf(
		"line %d: %s directive not allowed: %s; policies may only include files of the include tree as "+
			"#include <relative/path> (this check also reads comments: reword a comment that reads like a directive)",
		line, kw, why))
}
