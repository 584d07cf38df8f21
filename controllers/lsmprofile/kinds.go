package lsmprofile

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// kind adapts one profile kind to the shared Reconciler.
type kind struct {
	// name is the kind as node statuses name it.
	name nodestatusv1alpha1.ProfileKind
	// podProfiles names the profiles of this kind a pod uses, and
	// podIndex files pods under each of them.
	podProfiles func(*corev1.Pod) []types.NamespacedName
	podIndex    string
	newObject   func() client.Object
	newList     func() client.ObjectList
	// view exposes the fields the reconciler reads and writes.
	view func(client.Object) view
	// checker validates the objects before any node acts on them.
	checker checker
	// policyValid makes the reconciler write the PolicyValid condition the
	// node daemons wait for (AppArmorProfile).
	policyValid bool
	// nodeSwitch is the spod switch without which no node installs the kind.
	nodeSwitch nodeSwitch
}

// installWords are the verb and action of the Event that announces an
// Installed profile: AppArmor profiles are loaded into the kernel.
func (k kind) installWords() (verb, action string) {
	if k.name == "AppArmorProfile" {
		return "Loaded", "Load"
	}
	return "Installed", "Install"
}

// view points into one object's spec and status.
type view struct {
	disabled        bool
	status          *profilebasev1alpha1.StatusBase
	activeWorkloads *[]string
	// usage is status.usage, nil for kinds without one.
	usage *string
}

func selinuxKind(c checker) kind {
	return kind{
		name:        "SelinuxProfile",
		podProfiles: selinuxProfilesOfPod,
		podIndex:    selinuxPodIndex,
		newObject:   func() client.Object { return &selinuxprofilev1alpha2.SelinuxProfile{} },
		newList:     func() client.ObjectList { return &selinuxprofilev1alpha2.SelinuxProfileList{} },
		view: func(o client.Object) view {
			p := o.(*selinuxprofilev1alpha2.SelinuxProfile)
			return view{p.Spec.Disabled, &p.Status.StatusBase, &p.Status.ActiveWorkloads, &p.Status.Usage}
		},
		checker:    c,
		nodeSwitch: selinuxSwitch,
	}
}

func rawSelinuxKind(c checker) kind {
	return kind{
		name:        "RawSelinuxProfile",
		podProfiles: selinuxProfilesOfPod,
		podIndex:    selinuxPodIndex,
		newObject:   func() client.Object { return &selinuxprofilev1alpha2.RawSelinuxProfile{} },
		newList:     func() client.ObjectList { return &selinuxprofilev1alpha2.RawSelinuxProfileList{} },
		view: func(o client.Object) view {
			p := o.(*selinuxprofilev1alpha2.RawSelinuxProfile)
			return view{p.Spec.Disabled, &p.Status.StatusBase, &p.Status.ActiveWorkloads, &p.Status.Usage}
		},
		checker:    c,
		nodeSwitch: selinuxSwitch,
	}
}

func appArmorKind(c checker) kind {
	return kind{
		name:        "AppArmorProfile",
		podProfiles: appArmorProfilesOfPod,
		podIndex:    appArmorPodIndex,
		newObject:   func() client.Object { return &apparmorprofilev1alpha1.AppArmorProfile{} },
		newList:     func() client.ObjectList { return &apparmorprofilev1alpha1.AppArmorProfileList{} },
		view: func(o client.Object) view {
			p := o.(*apparmorprofilev1alpha1.AppArmorProfile)
			return view{disabled: p.Spec.Disabled, status: &p.Status.StatusBase, activeWorkloads: &p.Status.ActiveWorkloads}
		},
		checker:     c,
		policyValid: true,
		nodeSwitch:  appArmorSwitch,
	}
}
