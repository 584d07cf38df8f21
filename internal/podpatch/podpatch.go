package podpatch

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
)

// ContainerRef names a container by list and index, as a JSON pointer does.
type ContainerRef struct {
	// Init is true for spec.initContainers, false for spec.containers.
	Init bool
	// Index is the position in that list.
	Index int
}

// path is the container's JSON pointer.
func (r ContainerRef) path() string {
	list := "containers"
	if r.Init {
		list = "initContainers"
	}
	return "/spec/" + list + "/" + strconv.Itoa(r.Index)
}

// Security is what one container's securityContext should end up with.
// Zero fields are left as they are.
type Security struct {
	// Seccomp replaces securityContext.seccompProfile.
	Seccomp *corev1.SeccompProfile
	// SELinuxType sets securityContext.seLinuxOptions.type and keeps the
	// other SELinux options.
	SELinuxType string
	// AppArmor replaces securityContext.appArmorProfile.
	AppArmor *corev1.AppArmorProfile
}

// Changes is everything a webhook wants on one pod.
type Changes struct {
	Containers  map[ContainerRef]Security
	Labels      map[string]string
	Annotations map[string]string
	// SchedulingGates are added to spec.schedulingGates unless present.
	SchedulingGates []string
}

// Container returns the container ref points at, or nil if there is none.
func Container(pod *corev1.Pod, ref ContainerRef) *corev1.Container {
	list := pod.Spec.Containers
	if ref.Init {
		list = pod.Spec.InitContainers
	}
	if ref.Index < 0 || ref.Index >= len(list) {
		return nil
	}
	return &list[ref.Index]
}

// Build returns the operations that turn pod into pod-with-changes, in a
// stable order: metadata first, then init containers, then containers.
func Build(pod *corev1.Pod, c Changes) []jsonpatch.JsonPatchOperation {
	ops := stringMap("/metadata/labels", pod.Labels, c.Labels)
	ops = append(ops, stringMap("/metadata/annotations", pod.Annotations, c.Annotations)...)
	refs := make([]ContainerRef, 0, len(c.Containers))
	for ref := range c.Containers {
		refs = append(refs, ref)
	}
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Init != refs[j].Init {
			return refs[i].Init
		}
		return refs[i].Index < refs[j].Index
	})
	for _, ref := range refs {
		if ctr := Container(pod, ref); ctr != nil {
			ops = append(ops, security(ref.path(), ctr.SecurityContext, c.Containers[ref])...)
		}
	}
	return append(ops, gates(pod.Spec.SchedulingGates, c.SchedulingGates)...)
}

// gates adds the wanted scheduling gates a pod does not have yet. A
// missing list is added whole, since appending to it would fail.
func gates(have []corev1.PodSchedulingGate, want []string) []jsonpatch.JsonPatchOperation {
	var add []corev1.PodSchedulingGate
	for _, name := range want {
		if !slices.ContainsFunc(have, func(g corev1.PodSchedulingGate) bool { return g.Name == name }) &&
			!slices.ContainsFunc(add, func(g corev1.PodSchedulingGate) bool { return g.Name == name }) {
			add = append(add, corev1.PodSchedulingGate{Name: name})
		}
	}
	if len(add) == 0 {
		return nil
	}
	if len(have) == 0 {
		return []jsonpatch.JsonPatchOperation{jsonpatch.NewOperation("add", "/spec/schedulingGates", add)}
	}
	ops := make([]jsonpatch.JsonPatchOperation, 0, len(add))
	for _, g := range add {
		ops = append(ops, jsonpatch.NewOperation("add", "/spec/schedulingGates/-", g))
	}
	return ops
}

// stringMap sets keys of a labels or annotations map. A missing map is
// added whole, because "add" on a member of a missing object fails.
func stringMap(path string, have, want map[string]string) []jsonpatch.JsonPatchOperation {
	keys := make([]string, 0, len(want))
	for k, v := range want {
		if cur, ok := have[k]; !ok || cur != v {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Strings(keys)
	if len(have) == 0 {
		whole := make(map[string]string, len(keys))
		for _, k := range keys {
			whole[k] = want[k]
		}
		return []jsonpatch.JsonPatchOperation{jsonpatch.NewOperation("add", path, whole)}
	}
	ops := make([]jsonpatch.JsonPatchOperation, 0, len(keys))
	for _, k := range keys {
		op := "add"
		if _, ok := have[k]; ok {
			op = "replace"
		}
		ops = append(ops, jsonpatch.NewOperation(op, path+"/"+escape(k), want[k]))
	}
	return ops
}

// security patches one container's securityContext, touching only the
// fields whose value changes.
func security(path string, have *corev1.SecurityContext, want Security) []jsonpatch.JsonPatchOperation {
	path += "/securityContext"
	seccompChanges := want.Seccomp != nil && (have == nil || !sameSeccomp(have.SeccompProfile, want.Seccomp))
	selinuxChanges := want.SELinuxType != "" && (have == nil || have.SELinuxOptions == nil || have.SELinuxOptions.Type != want.SELinuxType)
	appArmorChanges := want.AppArmor != nil && (have == nil || !sameAppArmor(have.AppArmorProfile, want.AppArmor))
	if !seccompChanges && !selinuxChanges && !appArmorChanges {
		return nil
	}
	if have == nil {
		sc := &corev1.SecurityContext{}
		if seccompChanges {
			sc.SeccompProfile = want.Seccomp.DeepCopy()
		}
		if selinuxChanges {
			sc.SELinuxOptions = &corev1.SELinuxOptions{Type: want.SELinuxType}
		}
		if appArmorChanges {
			sc.AppArmorProfile = want.AppArmor.DeepCopy()
		}
		return []jsonpatch.JsonPatchOperation{jsonpatch.NewOperation("add", path, sc)}
	}
	var ops []jsonpatch.JsonPatchOperation
	if seccompChanges {
		op := "add"
		if have.SeccompProfile != nil {
			op = "replace"
		}
		ops = append(ops, jsonpatch.NewOperation(op, path+"/seccompProfile", want.Seccomp.DeepCopy()))
	}
	if appArmorChanges {
		op := "add"
		if have.AppArmorProfile != nil {
			op = "replace"
		}
		ops = append(ops, jsonpatch.NewOperation(op, path+"/appArmorProfile", want.AppArmor.DeepCopy()))
	}
	if selinuxChanges {
		switch {
		case have.SELinuxOptions == nil:
			ops = append(ops, jsonpatch.NewOperation("add", path+"/seLinuxOptions", &corev1.SELinuxOptions{Type: want.SELinuxType}))
		case have.SELinuxOptions.Type == "":
			ops = append(ops, jsonpatch.NewOperation("add", path+"/seLinuxOptions/type", want.SELinuxType))
		default:
			ops = append(ops, jsonpatch.NewOperation("replace", path+"/seLinuxOptions/type", want.SELinuxType))
		}
	}
	return ops
}

// sameSeccomp compares two seccomp profiles by value.
func sameSeccomp(a, b *corev1.SeccompProfile) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Type == b.Type && deref(a.LocalhostProfile) == deref(b.LocalhostProfile)
}

// sameAppArmor compares two AppArmor profiles by value.
func sameAppArmor(a, b *corev1.AppArmorProfile) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Type == b.Type && deref(a.LocalhostProfile) == deref(b.LocalhostProfile)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// escape encodes a map key as a JSON pointer token (RFC 6901): label and
// annotation keys contain "/", which must become "~1".
func escape(key string) string {
	return strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1")
}

// LocalhostAppArmor is the Localhost AppArmor profile name, as loaded on
// the nodes.
func LocalhostAppArmor(name string) *corev1.AppArmorProfile {
	return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: &name}
}

// Localhost is a Localhost seccomp profile at path.
func Localhost(path string) *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &path}
}

// Located is a container with its position in the pod.
type Located struct {
	Ref       ContainerRef
	Container *corev1.Container
}

// Containers lists the pod's init containers first, then its containers,
// pointing into the pod.
func Containers(pod *corev1.Pod) []Located {
	out := make([]Located, 0, len(pod.Spec.InitContainers)+len(pod.Spec.Containers))
	for i := range pod.Spec.InitContainers {
		out = append(out, Located{ContainerRef{Init: true, Index: i}, &pod.Spec.InitContainers[i]})
	}
	for i := range pod.Spec.Containers {
		out = append(out, Located{ContainerRef{Index: i}, &pod.Spec.Containers[i]})
	}
	return out
}
