// Package scheme builds the runtime.Scheme every binary and test uses: the
// client-go kinds plus every kind under apis/.
package scheme
