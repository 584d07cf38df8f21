package apparmor

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCheckIncludes(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
		ok           bool
	}{
		{"manual example", manualPolicy, true},
		{"bare include", "profile p {\n  include <abstractions/base>\n}\n", true},
		{"include if exists", "profile p {\n  include if exists <local/p>\n  #include if exists <local/q>\n}\n", true},
		{"abi", "abi <abi/3.0>,\nprofile p {}\n", true},
		{"path under /usr/include", "profile p {\n  /usr/include r,\n  /usr/include/** r,\n}\n", true},
		{"abi inside a word", "profile p {\n  capability dac_override,\n  /lib/abi-x r,\n}\n", true},
		{"word containing include", "profile p {\n  # this includes nothing\n}\n", true},

		{"absolute quoted", "profile p {\n  #include \"/etc/shadow\"\n}\n", false},
		{"absolute bracketed", "profile p {\n  #include </etc/shadow>\n}\n", false},
		{"dot-dot", "profile p {\n  #include <../../etc/shadow>\n}\n", false},
		{"dot-dot inside", "profile p {\n  #include <tunables/../../../etc/shadow>\n}\n", false},
		{"double slash", "profile p {\n  #include <abstractions//base>\n}\n", false},
		{"bare absolute", "profile p {\n  include /etc/shadow\n}\n", false},
		{"no space", "profile p {\n  #include\"/etc/shadow\"\n}\n", false},
		{"relative word", "profile p {\n  #includeshadow\n}\n", false},
		{"if exists quoted", "profile p {\n  include if exists \"/etc/shadow\"\n}\n", false},
		{"quoted in brackets", "profile p {\n  #include <\"abstractions/base\">\n}\n", false},
		{"abi quoted", "abi \"/etc/shadow\",\nprofile p {}\n", false},
		{"abi absolute", "abi </etc/shadow>,\nprofile p {}\n", false},
		{"after a rule on the same line", "profile p {\n  file, #include </etc/shadow>\n}\n", false},
		// apparmor_parser reads "#" inside a mount rule as a word and
		// honours the include after the rule's comma.
		{"comment-looking line inside a rule", "profile p {\n  mount options=(rw)\n  # , include \"/etc/shadow\"\n}\n", false},
		// The price of never skipping comments.
		{"comment reading like a directive", "profile p {\n  # include network access\n}\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkIncludes(tc.policy)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var inv *InvalidError
			if !errors.As(err, &inv) || inv.Reason != ReasonForbiddenInclude {
				t.Fatalf("got %v, want a %s InvalidError", err, ReasonForbiddenInclude)
			}
			if !strings.HasPrefix(inv.Message, "line ") {
				t.Errorf("message %q does not start with the line", inv.Message)
			}
		})
	}
}

// FuzzCheckIncludes checks that an accepted policy never has a #include
// (the form apparmor_parser honours anywhere) whose target leaves the
// include tree, by an independent, simpler reading.
func FuzzCheckIncludes(f *testing.F) {
	for _, s := range []string{manualPolicy, "#include </etc/x>", "#include if exists <a/../b>", "x#include<a>", "include \"/x\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, policy string) {
		if checkIncludes(policy) != nil {
			return
		}
		for rest := policy; ; {
			i := strings.Index(rest, "#include")
			if i < 0 {
				return
			}
			rest = rest[i+len("#include"):]
			target := strings.TrimLeft(rest, " \t\r\n")
			if after, ok := strings.CutPrefix(target, "if"); ok && strings.TrimLeft(after, " \t") != after {
				target = strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(after, " \t"), "exists"), " \t\r\n")
			}
			end := strings.IndexByte(target, '>')
			if !strings.HasPrefix(target, "<") || end < 0 {
				t.Fatalf("accepted a #include without a <path>: %q", policy)
			}
			p := target[1:end]
			if strings.HasPrefix(p, "/") || slices.Contains(strings.Split(p, "/"), "..") || strings.ContainsAny(p, "\"\n") {
				t.Fatalf("accepted #include <%s>: %q", p, policy)
			}
		}
	})
}
