// Package selfsignedcerts creates a self-signed certificate authority and
// the TLS serving certificates it issues, and checks whether existing ones
// are still fit for use. It is pure crypto: PEM in, PEM out, the current
// time passed in, no Kubernetes types.
package selfsignedcerts
