package audit

func trimSpaces(s string) string {
	for s != "" && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isLowerHexDigit(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f')
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLowerHexDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isUpperHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9') && !('A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// unhex returns the value of an uppercase hex digit.
func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// isNameByte reports whether c may be part of an SELinux class or
// permission name.
func isNameByte(c byte) bool {
	return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '_'
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return false
		}
	}
	return s != ""
}

// isContextByte reports whether c may be part of an SELinux context such
// as "system_u:system_r:container_t:s0-s0:c0.c1023".
func isContextByte(c byte) bool {
	switch c {
	case ':', ',', '.', '-':
		return true
	}
	return isNameByte(c) || isUpper(c)
}
