package selinuxcil

import (
	"fmt"
	"strings"
)

// maxDepth bounds how deeply lists may nest. Real policies nest a handful
// of levels (block, optional, rule, class permissions); the bound keeps
// the checker's recursion small whatever the input.
const maxDepth = 32

// node is one element of CIL text: an atom (a symbol, or a quoted string
// kept without its quotes) or a parenthesised list.
type node struct {
	isList bool
	list   []*node
	atom   string
	line   int // where it starts, from 1
}

// head returns the first atom of a list: the keyword of a statement.
func (n *node) head() (string, bool) {
	if !n.isList || len(n.list) == 0 || n.list[0].isList {
		return "", false
	}
	return n.list[0].atom, true
}

// lineError is a problem at a line of the text being checked (0: none).
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func lineErrorf(line int, format string, args ...any) *lineError {
	return &lineError{line: line, msg: fmt.Sprintf(format, args...)}
}

// parseCIL reads CIL text into its top-level nodes. It follows secilc's
// lexer, so that both see the same statements: newlines are '\n' and
// "\r\n" (either ends a ';' comment), blanks are ' ' and '\t', a quoted string
// ends at the next '"' and may not span lines, a symbol is a run of
// letters, digits and []. @=/*-_$%+!|&^:~`#{}'<>?, and anything else is
// an error. A quoted string is the same to secilc as the symbol it spells
// ("block" is the keyword block), so both become plain atoms. Stricter
// than secilc, it refuses control characters (they only hide text) and
// line marks.
func parseCIL(src string) ([]*node, error) {
	root := &node{isList: true}
	stack := []*node{root}
	line := 1
	addAtom := func(atom string) error {
		if len(stack) == 1 {
			return lineErrorf(line, "%q is outside any parentheses", atom)
		}
		top := stack[len(stack)-1]
		top.list = append(top.list, &node{atom: atom, line: line})
		return nil
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '\r':
			// Only as part of "\r\n". secilc also ends a comment at a
			// lone '\r' but lets a quoted string inside the comment run
			// past it, so where the comment ends would depend on quotes
			// the comment contains.
			if i+1 == len(src) || src[i+1] != '\n' {
				return nil, lineErrorf(line, "carriage return outside a \"\\r\\n\" line ending")
			}
			i++
		case c == ' ' || c == '\t':
			i++
		case c == ';':
			// secilc reads ";;*" at the start of a line as a line mark,
			// which opens or closes a scope of its own, without
			// parentheses ("lme" pops whatever scope is current): it
			// could close the profile's block from inside.
			if strings.HasPrefix(src[i:], ";;*") {
				return nil, lineErrorf(line, "line marks (;;*) belong to compiler output and are not accepted")
			}
			for i < len(src) && src[i] != '\n' && src[i] != '\r' {
				if isControl(src[i]) {
					return nil, lineErrorf(line, "control character %q in a comment", src[i])
				}
				i++
			}
		case c == '(':
			if len(stack) > maxDepth {
				return nil, lineErrorf(line, "lists nest more than %d deep", maxDepth)
			}
			n := &node{isList: true, line: line}
			top := stack[len(stack)-1]
			top.list = append(top.list, n)
			stack = append(stack, n)
			i++
		case c == ')':
			if len(stack) == 1 {
				return nil, lineErrorf(line, "')' without a matching '('")
			}
			stack = stack[:len(stack)-1]
			i++
		case c == '"':
			end, err := quotedEnd(src, i, line)
			if err != nil {
				return nil, err
			}
			if err := addAtom(src[i+1 : end]); err != nil {
				return nil, err
			}
			i = end + 1
		case isSymbolChar(c):
			j := i
			for j < len(src) && isSymbolChar(src[j]) {
				j++
			}
			if err := addAtom(src[i:j]); err != nil {
				return nil, err
			}
			i = j
		default:
			return nil, lineErrorf(line, "unexpected character %q", c)
		}
	}
	if len(stack) > 1 {
		return nil, lineErrorf(stack[len(stack)-1].line, "'(' is never closed")
	}
	return root.list, nil
}

// quotedEnd returns the index of the '"' that closes the string opened at
// src[start].
func quotedEnd(src string, start, line int) (int, error) {
	for j := start + 1; j < len(src); j++ {
		switch c := src[j]; {
		case c == '"':
			return j, nil
		case c == '\n':
			return 0, lineErrorf(line, "string is not closed on its line")
		case isControl(c):
			return 0, lineErrorf(line, "control character %q in a string", c)
		}
	}
	return 0, lineErrorf(line, "string is never closed")
}

// isControl reports ASCII control characters other than tab and the
// newlines.
func isControl(c byte) bool {
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f
}

// isSymbolChar reports the bytes secilc's lexer accepts in a symbol.
func isSymbolChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("[].@=/*-_$%+!|&^:~`#{}'<>?,", c) >= 0
}
