// Command local-cluster writes the PKI and kubeconfigs of the single-node
// cluster that hack/local-cluster.sh runs: one CA signs every serving and
// client certificate, and an ECDSA key pair signs service-account tokens.
//
//	local-cluster certs -dir <state>/pki -kubeconfigs <state> -node NAME -node-ip IP -service-ip IP
//
// Files that already exist are kept, so a cluster brought down and up again
// keeps its identity and the admin kubeconfig stays valid.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// validity is long enough for a development cluster and short enough to be
// obviously not production material.
const validity = 2 * 365 * 24 * time.Hour

type certSpec struct {
	name   string // file stem under the PKI dir
	cn     string
	orgs   []string
	server bool
	client bool
	// rsa picks an RSA key: busybox's wget (the pods' smoke test) cannot
	// handshake with an ECDSA-only server.
	rsa bool
	dns []string
	ips []net.IP
}

type kubeconfigSpec struct {
	file   string // written under the kubeconfig dir
	cert   string // PKI file stem of the client certificate
	server string
}

func main() {
	if len(os.Args) < 2 || os.Args[1] != "certs" {
		fmt.Fprintln(os.Stderr, "usage: local-cluster certs -dir DIR -kubeconfigs DIR -node NAME -node-ip IP -service-ip IP")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("certs", flag.ExitOnError)
	dir := fs.String("dir", "", "PKI directory")
	kcDir := fs.String("kubeconfigs", "", "directory for the kubeconfigs")
	node := fs.String("node", "", "node name")
	nodeIP := fs.String("node-ip", "", "node IP (the API server's advertise address)")
	serviceIP := fs.String("service-ip", "", "ClusterIP of the kubernetes Service")
	port := fs.Int("port", 6443, "API server secure port")
	_ = fs.Parse(os.Args[2:])
	if *dir == "" || *kcDir == "" || *node == "" || net.ParseIP(*nodeIP) == nil || net.ParseIP(*serviceIP) == nil {
		fs.Usage()
		os.Exit(2)
	}
	if err := run(*dir, *kcDir, *node, net.ParseIP(*nodeIP), net.ParseIP(*serviceIP), *port); err != nil {
		fmt.Fprintln(os.Stderr, "local-cluster:", err)
		os.Exit(1)
	}
}

func run(dir, kcDir, node string, nodeIP, serviceIP net.IP, port int) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, caKey, err := loadOrCreateCA(dir)
	if err != nil {
		return fmt.Errorf("CA: %w", err)
	}
	if err := writeSAKeys(dir); err != nil {
		return fmt.Errorf("service-account keys: %w", err)
	}
	local := []net.IP{net.ParseIP("127.0.0.1"), nodeIP}
	specs := []certSpec{
		{name: "apiserver", cn: "kube-apiserver", server: true, rsa: true, ips: append(local, serviceIP),
			dns: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", node}},
		{name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", orgs: []string{"system:masters"}, client: true},
		{name: "kubelet", cn: node, server: true, rsa: true, ips: local, dns: []string{"localhost", node}},
		{name: "admin", cn: "kubernetes-admin", orgs: []string{"system:masters"}, client: true},
		{name: "controller-manager", cn: "system:kube-controller-manager", client: true},
		{name: "scheduler", cn: "system:kube-scheduler", client: true},
		{name: "kubelet-client", cn: "system:node:" + node, orgs: []string{"system:nodes"}, client: true},
		{name: "kube-proxy", cn: "system:kube-proxy", client: true},
	}
	for _, s := range specs {
		if err := issue(dir, s, ca, caKey); err != nil {
			return fmt.Errorf("certificate %s: %w", s.name, err)
		}
	}
	server := fmt.Sprintf("https://%s", net.JoinHostPort(nodeIP.String(), fmt.Sprint(port)))
	for _, k := range []kubeconfigSpec{
		{file: "kubeconfig", cert: "admin", server: server},
		{file: "controller-manager.kubeconfig", cert: "controller-manager", server: server},
		{file: "scheduler.kubeconfig", cert: "scheduler", server: server},
		{file: "kubelet.kubeconfig", cert: "kubelet-client", server: server},
		{file: "kube-proxy.kubeconfig", cert: "kube-proxy", server: server},
	} {
		if err := writeKubeconfig(dir, kcDir, k); err != nil {
			return fmt.Errorf("kubeconfig %s: %w", k.file, err)
		}
	}
	return nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func newKey() (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func newRSAKey() (*rsa.PrivateKey, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func loadOrCreateCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	crtPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if !exists(crtPath) || !exists(keyPath) {
		key, keyPEM, err := newKey()
		if err != nil {
			return nil, nil, err
		}
		now := time.Now()
		tmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: "spo-local-cluster-ca"},
			NotBefore:             now.Add(-time.Hour),
			NotAfter:              now.Add(validity),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(crtPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
			return nil, nil, err
		}
	}
	crtPEM, err := os.ReadFile(crtPath)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	cb, _ := pem.Decode(crtPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New("ca.crt or ca.key is not PEM")
	}
	crt, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	return crt, key, err
}

func writeSAKeys(dir string) error {
	keyPath, pubPath := filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if exists(keyPath) && exists(pubPath) {
		return nil
	}
	key, keyPEM, err := newKey()
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}

func issue(dir string, s certSpec, ca *x509.Certificate, caKey *ecdsa.PrivateKey) error {
	crtPath, keyPath := filepath.Join(dir, s.name+".crt"), filepath.Join(dir, s.name+".key")
	if exists(crtPath) && exists(keyPath) {
		return nil
	}
	var (
		pub    crypto.PublicKey
		keyPEM []byte
		err    error
	)
	if s.rsa {
		var key *rsa.PrivateKey
		key, keyPEM, err = newRSAKey()
		if key != nil {
			pub = &key.PublicKey
		}
	} else {
		var key *ecdsa.PrivateKey
		key, keyPEM, err = newKey()
		if key != nil {
			pub = &key.PublicKey
		}
	}
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: s.cn, Organization: s.orgs},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		DNSNames:     s.dns,
		IPAddresses:  s.ips,
	}
	if s.server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	if s.client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	if s.rsa {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, caKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(crtPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func writeKubeconfig(pkiDir, kcDir string, k kubeconfigSpec) error {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(pkiDir, name))
		return base64.StdEncoding.EncodeToString(b), err
	}
	ca, err := read("ca.crt")
	if err != nil {
		return err
	}
	crt, err := read(k.cert + ".crt")
	if err != nil {
		return err
	}
	key, err := read(k.cert + ".key")
	if err != nil {
		return err
	}
	body := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: spo-local
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: spo-local
  context:
    cluster: spo-local
    user: %s
current-context: spo-local
`, k.server, ca, k.cert, crt, key, k.cert)
	return os.WriteFile(filepath.Join(kcDir, k.file), []byte(body), 0o600)
}
