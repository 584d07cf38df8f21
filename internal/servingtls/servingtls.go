package servingtls

import "crypto/tls"

// Harden sets c to TLS 1.2 or newer and HTTP/1.1 only. It has the shape
// of controller-runtime's TLSOpts, which apply after its defaults.
//
// HTTP/2 is off because of HTTP/2 rapid reset (CVE-2023-44487): a client
// can make the server do work for streams it cancels at once, and
// controller-runtime advises disabling HTTP/2 unless it is needed. Our
// clients (the API server calling the webhook, Prometheus scraping) all
// speak HTTP/1.1. Serving only "http/1.1" in ALPN keeps net/http from
// switching a connection to HTTP/2.
//
// MinVersion is explicit although Go's server default is already TLS 1.2:
// GODEBUG=tls10server=1 lowers that default, and must not lower ours.
func Harden(c *tls.Config) {
	c.MinVersion = tls.VersionTLS12
	c.NextProtos = []string{"http/1.1"}
}

// Opts is Harden as a TLSOpts list, for webhook.Options and
// metricsserver.Options.
func Opts() []func(*tls.Config) {
	return []func(*tls.Config){Harden}
}
