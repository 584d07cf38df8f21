package selfsignedcerts

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// clockSkew backdates NotBefore, so a peer whose clock lags a little
// already accepts a freshly issued certificate.
const clockSkew = time.Hour

// KeyPair is a PEM-encoded certificate and its PEM-encoded private key.
type KeyPair struct {
	Cert []byte
	Key  []byte
}

// NewCA returns a self-signed CA certificate (ECDSA P-256) named
// commonName, valid from now for validity.
func NewCA(commonName string, now time.Time, validity time.Duration) (KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generate CA key: %w", err)
	}
	tmpl, err := template(commonName, now, now.Add(validity))
	if err != nil {
		return KeyPair{}, err
	}
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.MaxPathLenZero = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("sign CA certificate: %w", err)
	}
	return encode(der, key)
}

// Issue returns a serving certificate (ECDSA P-256) for dnsNames signed by
// ca, valid from now for validity but never beyond the CA's own expiry.
func Issue(ca KeyPair, dnsNames []string, now time.Time, validity time.Duration) (KeyPair, error) {
	caCert, caKey, err := Parse(ca)
	if err != nil {
		return KeyPair{}, fmt.Errorf("read CA: %w", err)
	}
	if len(dnsNames) == 0 {
		return KeyPair{}, errors.New("no DNS names to issue for")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("generate key: %w", err)
	}
	notAfter := now.Add(validity)
	if notAfter.After(caCert.NotAfter) {
		notAfter = caCert.NotAfter
	}
	tmpl, err := template(dnsNames[0], now, notAfter)
	if err != nil {
		return KeyPair{}, err
	}
	tmpl.DNSNames = slices.Clone(dnsNames)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return KeyPair{}, fmt.Errorf("sign certificate for %s: %w", dnsNames[0], err)
	}
	return encode(der, key)
}

func template(commonName string, now, notAfter time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generate serial number: %w", err)
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     notAfter,
	}, nil
}

func encode(der []byte, key *ecdsa.PrivateKey) (KeyPair, error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("encode key: %w", err)
	}
	return KeyPair{
		Cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		Key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// Parse decodes a key pair and checks that the key belongs to the
// certificate.
func Parse(kp KeyPair) (*x509.Certificate, crypto.Signer, error) {
	certs, err := ParseCerts(kp.Cert)
	if err != nil {
		return nil, nil, err
	}
	if len(certs) != 1 {
		return nil, nil, fmt.Errorf("want one certificate, found %d", len(certs))
	}
	block, _ := pem.Decode(kp.Key)
	if block == nil {
		return nil, nil, errors.New("no PEM private key")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("parse private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("private key of type %T cannot sign", key)
	}
	pub, ok := certs[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(signer.Public()) {
		return nil, nil, errors.New("private key does not match the certificate")
	}
	return certs[0], signer, nil
}

// ParseCerts decodes every CERTIFICATE block of a PEM bundle.
func ParseCerts(bundle []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// CheckCA returns the CA's certificate when kp is a usable CA that does
// not expire within renewBefore of now, and an error saying why not
// otherwise.
func CheckCA(kp KeyPair, now time.Time, renewBefore time.Duration) (*x509.Certificate, error) {
	cert, _, err := Parse(kp)
	if err != nil {
		return nil, err
	}
	if !cert.IsCA {
		return nil, errors.New("not a CA certificate")
	}
	if err := checkTimes(cert, now, renewBefore); err != nil {
		return nil, err
	}
	return cert, nil
}

// CheckLeaf returns the serving certificate when kp holds a certificate
// for exactly dnsNames, issued by ca, whose key matches and which does not
// expire within renewBefore of now; an error says why not otherwise.
func CheckLeaf(kp KeyPair, ca *x509.Certificate, dnsNames []string, now time.Time, renewBefore time.Duration) (*x509.Certificate, error) {
	cert, _, err := Parse(kp)
	if err != nil {
		return nil, err
	}
	if !slices.Equal(slices.Sorted(slices.Values(cert.DNSNames)), slices.Sorted(slices.Values(dnsNames))) {
		return nil, fmt.Errorf("DNS names %v, want %v", cert.DNSNames, dnsNames)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := cert.Verify(x509.VerifyOptions{
		Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}); err != nil {
		return nil, fmt.Errorf("not issued by the current CA: %w", err)
	}
	if err := checkTimes(cert, now, renewBefore); err != nil {
		return nil, err
	}
	return cert, nil
}

func checkTimes(cert *x509.Certificate, now time.Time, renewBefore time.Duration) error {
	if now.Before(cert.NotBefore) {
		return fmt.Errorf("not valid before %s", cert.NotBefore.UTC().Format(time.RFC3339))
	}
	if !now.Add(renewBefore).Before(cert.NotAfter) {
		return fmt.Errorf("expires %s", cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// Bundle PEM-encodes the unexpired certificates of certs, first one
// first, each once.
func Bundle(now time.Time, certs ...*x509.Certificate) []byte {
	var out bytes.Buffer
	var seen []*x509.Certificate
	for _, c := range certs {
		if c == nil || !now.Before(c.NotAfter) || slices.ContainsFunc(seen, c.Equal) {
			continue
		}
		seen = append(seen, c)
		_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return out.Bytes()
}
