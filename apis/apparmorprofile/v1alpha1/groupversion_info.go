package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"

	"github.com/securityprofiles/operator/apis/keys"
)

// GroupVersion is the group and version of the kinds in this package.
var GroupVersion = schema.GroupVersion{Group: keys.Group, Version: "v1alpha1"}

// SchemeBuilder registers this package's kinds with a runtime.Scheme.
var SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

// AddToScheme adds this package's kinds to a runtime.Scheme.
var AddToScheme = SchemeBuilder.AddToScheme
