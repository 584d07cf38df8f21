package seccomp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"sigs.k8s.io/yaml"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// Format names a profile encoding, as `spoc record -t` spells it.
type Format string

// The encodings spoc reads and writes.
const (
	FormatCRD Format = "crd"
	FormatOCI Format = "raw-seccomp"
)

// kindSeccompProfile is the CRD's kind.
const kindSeccompProfile = "SeccompProfile"

// Decode parses a profile given as a SeccompProfile (YAML or JSON) or as
// OCI seccomp JSON, telling them apart by the presence of kind or
// apiVersion, and reports which it was.
func Decode(data []byte) (Profile, Format, error) {
	js, err := toJSON(data)
	if err != nil {
		return Profile{}, "", fmt.Errorf("parse profile: %w", err)
	}
	if t := bytes.TrimSpace(js); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return Profile{}, "", errors.New("parse profile: empty document")
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return Profile{}, "", fmt.Errorf("parse profile: not an object: %w", err)
	}
	if head.Kind == "" && head.APIVersion == "" {
		p, err := DecodeOCI(js)
		return p, FormatOCI, err
	}
	_, p, err := DecodeCRD(js)
	return p, FormatCRD, err
}

// DecodeCRD parses a SeccompProfile strictly and returns its name and
// its spec as an OCI profile.
func DecodeCRD(data []byte) (string, Profile, error) {
	var obj seccompprofilev1beta1.SeccompProfile
	js, err := toJSON(data)
	if err == nil {
		err = strictJSON(js, &obj)
	}
	if err != nil {
		return "", Profile{}, fmt.Errorf("parse SeccompProfile: %w", err)
	}
	want := seccompprofilev1beta1.GroupVersion.String()
	if obj.Kind != kindSeccompProfile || obj.APIVersion != want {
		return "", Profile{}, fmt.Errorf("parse SeccompProfile: got apiVersion %q kind %q, want %s %s",
			obj.APIVersion, obj.Kind, want, kindSeccompProfile)
	}
	p, err := FromSpec(obj.Spec)
	if err != nil {
		return "", Profile{}, fmt.Errorf("SeccompProfile %s: %w", obj.Name, err)
	}
	return obj.Name, p, nil
}

// toJSON converts YAML to JSON. JSON input is returned as it is, so that
// strictJSON sees trailing data the YAML parser would silently ignore.
func toJSON(data []byte) ([]byte, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		return t, nil
	}
	return yaml.YAMLToJSON(data)
}

// strictJSON decodes exactly one JSON value into v, rejecting unknown
// fields and trailing data.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the profile")
	}
	return nil
}
