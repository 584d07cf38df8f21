// Package logging sets up the structured logger every binary uses and logs
// the build details at start, so a log line always says which build wrote it.
package logging
