// Package tlsprobe checks, from a test, what a TLS server accepts: which
// application protocol it picks for a client offering HTTP/2 and whether
// it refuses old protocol versions.
package tlsprobe
