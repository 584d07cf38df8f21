// Package keys holds the API group name and every label, annotation and
// finalizer key the operator reads or writes, so no controller, webhook or
// daemon spells one as a literal.
package keys
