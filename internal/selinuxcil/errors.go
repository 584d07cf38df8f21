package selinuxcil

import "fmt"

// InvalidError is bad input: the object must be fixed; retrying cannot help.
type InvalidError struct {
	// Field is the path of the offending field, e.g. spec.allow["t"]["c"][2].
	Field string
	// Message says what is wrong with it.
	Message string
}

// Error returns "<field>: <message>".
func (e *InvalidError) Error() string { return e.Field + ": " + e.Message }

func invalidf(field, format string, args ...any) error {
	return &InvalidError{Field: field, Message: fmt.Sprintf(format, args...)}
}
