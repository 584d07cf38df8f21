package v1alpha1

// CertificateGeneratedLabel marks a Secret in the operator namespace whose
// certificate the manager generated itself (value "true"). The manager
// rotates and rewrites only Secrets carrying it; a serving certificate
// Secret without it was provided by the installer and is left alone.
const CertificateGeneratedLabel = "security-profiles-operator.x-k8s.io/certificate-generated"
