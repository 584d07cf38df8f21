package recording

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
)

// Backend is a recorder that can say what a container did.
type Backend interface {
	// Collect returns what the recorder saw of a container and forgets it.
	Collect(containerID string) (Collected, error)
}

// Collected is what a recorder saw of one container.
type Collected struct {
	// Names are the syscalls seen, without execve.
	Names []string
	// Denials are the SELinux denials of a process running with the
	// recording type, sorted.
	Denials []Denial
	// Found is false when the recorder never saw the container.
	Found bool
	// Incomplete says why syscalls or denials may be missing; empty when
	// none are.
	Incomplete string
}

// Event reasons on ProfileRecordings.
const (
	ReasonProfileRecorded     = "ProfileRecorded"
	ReasonRecordingIncomplete = "RecordingIncomplete"
	ReasonNothingRecorded     = "NothingRecorded"
	ReasonProfileNameTaken    = "ProfileNameTaken"
	ReasonRecorderUnavailable = "RecorderUnavailable"
	ReasonPrivilegedContainer = "PrivilegedContainer"
)

// Reconciler follows the pods on one node and turns the containers that a
// ProfileRecording with its recorder marked into profiles once their pod
// is gone.
type Reconciler struct {
	Client    client.Client
	Events    events.EventRecorder
	NodeName  string
	Recorder  string // profilerecordingv1alpha1.RecorderBPF or RecorderLogs
	Backend   Backend
	Directory *Directory
	// Arch is the node's architecture as libseccomp names it.
	Arch string
	// BaseProfile is set as baseProfileName of every recorded profile.
	BaseProfile string
	// Unavailable, when set, is why this node cannot record: recorded pods
	// get a Warning Event saying so and no profile.
	Unavailable error

	mu   sync.Mutex
	pods map[types.NamespacedName]*tracked
}

// tracked is a recorded pod seen alive, and what is left to do once it
// is gone.
type tracked struct {
	pod     *corev1.Pod
	targets []Target
	// privileged are the containers no LSM confines; pod keeps no spec.
	privileged map[string]bool
	results    map[string]Collected // by container, collected but not written
	done       map[string]bool
}

// Reconcile remembers a live pod's recorded containers, and turns them
// into profiles when the pod is gone.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pod := &corev1.Pod{}
	if err := r.Client.Get(ctx, req.NamespacedName, pod); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.finish(ctx, req.NamespacedName)
		}
		return ctrl.Result{}, err
	}
	if pod.Spec.NodeName != r.NodeName {
		return ctrl.Result{}, nil
	}
	r.Directory.Update(pod)
	targets := Targets(pod, r.Recorder)
	if len(targets) == 0 {
		return ctrl.Result{}, nil
	}
	r.observe(ctx, pod, targets)
	return ctrl.Result{}, nil
}

// observe merges what a pod's status says into what is tracked, and says
// so the first time a container or an ID shows up.
func (r *Reconciler) observe(ctx context.Context, pod *corev1.Pod, targets []Target) {
	log := ctrl.LoggerFrom(ctx)
	key := client.ObjectKeyFromObject(pod)
	r.mu.Lock()
	if r.pods == nil {
		r.pods = map[types.NamespacedName]*tracked{}
	}
	t := r.pods[key]
	isNew := t == nil
	if isNew {
		t = &tracked{privileged: map[string]bool{}, results: map[string]Collected{}, done: map[string]bool{}}
		r.pods[key] = t
	}
	old := map[string][]string{}
	for _, tg := range t.targets {
		old[tg.Container] = tg.IDs
	}
	for i := range targets {
		t.privileged[targets[i].Container] = privileged(pod, targets[i].Container)
		targets[i].IDs = mergeIDs(old[targets[i].Container], targets[i].IDs)
		for _, id := range targets[i].IDs {
			if !slices.Contains(old[targets[i].Container], id) {
				log.Info("Found container ID in cluster", "pod", key.String(), "containerName", targets[i].Container, "containerID", id)
			}
		}
	}
	t.pod, t.targets = trimPod(pod), targets
	r.mu.Unlock()
	if isNew {
		r.warnOnce(ctx, pod, targets)
	}
}

// warnOnce tells a recording, when it starts on this node, what keeps it
// from working here.
func (r *Reconciler) warnOnce(ctx context.Context, pod *corev1.Pod, targets []Target) {
	for _, tg := range targets {
		if r.Unavailable != nil {
			r.event(ctx, pod.Namespace, tg.Recording, corev1.EventTypeWarning, ReasonRecorderUnavailable,
				"Node %s cannot record container %s of pod %s with the %s recorder: %v", r.NodeName, tg.Container, pod.Name, r.Recorder, r.Unavailable)
			continue
		}
		if r.Recorder == string(profilerecordingv1alpha1.RecorderLogs) && privileged(pod, tg.Container) {
			r.event(ctx, pod.Namespace, tg.Recording, corev1.EventTypeWarning, ReasonPrivilegedContainer,
				"Container %s of pod %s is privileged: %s does not confine it, so its audit log is empty", tg.Container, pod.Name, lsmOf(tg.Kind))
		}
	}
}

// finish turns each recorded container of a gone pod into a profile. It
// keeps what it collected across retries: the recorders forget a
// container once asked.
func (r *Reconciler) finish(ctx context.Context, key types.NamespacedName) error {
	r.Directory.Remove(key)
	r.mu.Lock()
	t := r.pods[key]
	r.mu.Unlock()
	if t == nil {
		return nil
	}
	var errs []error
	for _, tg := range t.targets {
		if t.done[tg.Container] {
			continue
		}
		if err := r.finishContainer(ctx, t, tg); err != nil {
			errs = append(errs, err)
			continue
		}
		t.done[tg.Container] = true
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	r.mu.Lock()
	delete(r.pods, key)
	r.mu.Unlock()
	return nil
}

func (r *Reconciler) finishContainer(ctx context.Context, t *tracked, tg Target) error {
	if r.Unavailable != nil {
		return nil
	}
	got, ok := t.results[tg.Container]
	if !ok {
		var err error
		if got, err = r.collect(tg.IDs); err != nil {
			return err
		}
		t.results[tg.Container] = got
	}
	if !got.Found && !silenceIsAProfile(t, tg) {
		recordingOutcomes.WithLabelValues(r.Recorder, outcomeNothing).Inc()
		r.event(ctx, t.pod.Namespace, tg.Recording, corev1.EventTypeWarning, ReasonNothingRecorded,
			"The %s recorder on node %s saw no process of container %s of pod %s (container IDs %s); no profile was created",
			r.Recorder, r.NodeName, tg.Container, t.pod.Name, strings.Join(tg.IDs, ", "))
		return nil
	}
	return r.writeProfile(ctx, t, tg, got)
}

// silenceIsAProfile reports whether a container the recorder saw no
// record of still gets a profile. The log-all seccomp profile logs every
// call, so a seccomp recording without records missed the container. The
// SELinux recording type logs only what the container policy denies, so
// a container that stayed within it leaves no record and its profile is
// that policy alone, unless it was privileged: then nothing confined it
// and the silence says nothing, as for seccomp.
func silenceIsAProfile(t *tracked, tg Target) bool {
	return tg.Kind == string(profilerecordingv1alpha1.RecordingKindSelinux) && !t.privileged[tg.Container]
}

// collect unites what the recorder saw of every run of a container.
func (r *Reconciler) collect(ids []string) (Collected, error) {
	var out Collected
	var incomplete []string
	for _, id := range ids {
		c, err := r.Backend.Collect(id)
		if err != nil {
			return Collected{}, fmt.Errorf("collect container %s: %w", id, err)
		}
		out.Found = out.Found || c.Found
		out.Names = append(out.Names, c.Names...)
		out.Denials = append(out.Denials, c.Denials...)
		if c.Incomplete != "" {
			incomplete = append(incomplete, c.Incomplete)
		}
	}
	out.Incomplete = strings.Join(incomplete, "; ")
	return out, nil
}

// event reports on a recording; a recording that is gone gets none.
func (r *Reconciler) event(ctx context.Context, namespace, recording, eventType, reason, format string, args ...any) {
	rec := &profilerecordingv1alpha1.ProfileRecording{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: namespace, Name: recording}, rec); err != nil {
		ctrl.LoggerFrom(ctx).Info("Recording event without a recording", "recording", recording, "reason", reason,
			"message", fmt.Sprintf(format, args...))
		return
	}
	r.Events.Eventf(rec, nil, eventType, reason, "Record", format, args...)
}

// Wanted reports whether a container ID belongs to a recorded container of
// a pod that is being followed; the eBPF backend keeps those.
func (r *Reconciler) Wanted(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.pods {
		for _, tg := range t.targets {
			if slices.Contains(tg.IDs, id) {
				return true
			}
		}
	}
	return false
}

// trimPod keeps the metadata a profile needs.
func trimPod(pod *corev1.Pod) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: *pod.ObjectMeta.DeepCopy()}
}

// lsmOf names the LSM that records a profile kind.
func lsmOf(kind string) string {
	if kind == string(profilerecordingv1alpha1.RecordingKindSelinux) {
		return "SELinux"
	}
	return "seccomp"
}

func privileged(pod *corev1.Pod, container string) bool {
	for _, c := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
		if c.Name == container && c.SecurityContext != nil && c.SecurityContext.Privileged != nil {
			return *c.SecurityContext.Privileged
		}
	}
	return false
}
