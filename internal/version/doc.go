// Package version holds the build details every binary logs at start and
// `spoc version` prints. The Makefile sets them with -ldflags -X.
package version
