package seccomp

import (
	"path"
	"strings"
)

// ProfileName derives a valid object name (an RFC 1123 subdomain) from a
// command, such as "echo" from "/usr/bin/echo" or "my-app" from
// "./My_App": lower case, other characters become '-', at most 253
// characters, and "profile" when nothing is left.
func ProfileName(command string) string {
	base := strings.ToLower(path.Base(command))
	var b strings.Builder
	for _, c := range base {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	name := b.String()
	if len(name) > 253 {
		name = name[:253]
	}
	// Both ends must be alphanumeric. Dots become '-' above because a dot
	// next to a '-' or another dot would be invalid.
	name = strings.Trim(name, "-")
	if name == "" {
		return "profile"
	}
	return name
}
