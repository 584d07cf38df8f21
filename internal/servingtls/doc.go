// Package servingtls holds the TLS settings every HTTPS server of the
// operator uses: the webhook server and the metrics servers of the
// manager, the webhook and the node daemon.
package servingtls
