package apparmor

import (
	"fmt"
	"strings"
)

// checkNames decides, from apparmor_parser --names output (one profile
// name per line), whether a policy declares exactly the profile want.
//
// Hats and child profiles print as want//child. They belong to want: the
// kernel loads them with it and removes them with it, so they are
// allowed. Any other name (a second profile, a namespaced ":ns://want")
// is refused, because nodes remove a profile by name only and would leave
// it loaded.
//
// A quoted name may contain a newline, which prints as two lines; such a
// policy can pass this check only by naming lines that equal want, and
// what it loads is then a profile pods cannot refer to, so it can only
// break its own pods.
func checkNames(out, want string) error {
	found := false
	var others []string
	for _, name := range strings.Split(out, "\n") {
		switch {
		case name == "":
		case name == want:
			found = true
		case strings.HasPrefix(name, want+"//"):
		default:
			others = append(others, name)
		}
	}
	if !found {
		return invalid(ReasonNameMismatch, fmt.Sprintf(
			"the policy declares no profile named %q, which is this object's metadata.name and the name pods refer to "+
				"(the policy declares %s)", want, listNames(others)))
	}
	if len(others) > 0 {
		return invalid(ReasonTooManyProfiles, fmt.Sprintf(
			"the policy must declare only the profile %q (with its hats and child profiles), but it also declares %s",
			want, listNames(others)))
	}
	return nil
}

// listNames quotes at most five names for a message.
func listNames(names []string) string {
	const most = 5
	if len(names) == 0 {
		return "no profile"
	}
	quoted := make([]string, 0, most)
	for i, n := range names {
		if i == most {
			break
		}
		quoted = append(quoted, fmt.Sprintf("%q", n))
	}
	s := strings.Join(quoted, ", ")
	if len(names) > most {
		s += fmt.Sprintf(" and %d more", len(names)-most)
	}
	return s
}
