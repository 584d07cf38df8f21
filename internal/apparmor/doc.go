// Package apparmor checks AppArmor policies offline with apparmor_parser
// and loads and removes them in a node's kernel. Policy text is untrusted
// API input: it reaches the parser only on stdin, never through a shell,
// its include directives are confined to the include tree before the
// parser sees it, and the parser's output is bounded.
package apparmor
