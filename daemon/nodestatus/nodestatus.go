package nodestatus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// Writer keeps one node's status objects.
type Writer struct {
	Client   client.Client
	NodeName string

	// swept holds the profiles (sweepKey) whose statuses under other
	// names this process already removed; see removeStale.
	swept sync.Map
}

// State is what a node reports for a profile.
type State struct {
	Status  profilebasev1alpha1.ProfileState
	Reason  string
	Message string
}

// Name is the status object's name for a profile on a node:
// "<kind>-<profile>-<node>-<hash>", the readable part cut short when the
// whole would exceed an object name's 253 characters. The readable part
// alone is ambiguous ("-" and "." occur in profile and node names alike:
// profile x on node gpu-node-1 reads like profile x-gpu on node-1), so the
// hash, of the exact tuple, is always there to keep names apart.
func Name(kind nodestatusv1alpha1.ProfileKind, profile, node string) string {
	sum := sha256.Sum256([]byte(string(kind) + "\x00" + profile + "\x00" + node))
	suffix := "-" + hex.EncodeToString(sum[:])[:nameHashLen]
	readable := strings.ToLower(string(kind)) + "-" + profile + "-" + node
	if limit := validation.DNS1123SubdomainMaxLength - len(suffix); len(readable) > limit {
		// A cut may end inside a label; names cannot end in "." or "-".
		readable = strings.TrimRight(readable[:limit], ".-")
	}
	return readable + suffix
}

// nameHashLen is how many hex digits of the tuple's hash a name carries:
// 64 bits, so even names whose readable parts were cut alike stay apart.
const nameHashLen = 16

// LabelValue fits s into a label value (63 characters), replacing the end
// of a longer value with a hash so distinct values stay distinct.
func LabelValue(s string) string {
	if len(s) <= validation.LabelValueMaxLength {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return strings.TrimRight(s[:46], ".-_") + "-" + hex.EncodeToString(sum[:])[:16]
}

// ProfileID is the spo.x-k8s.io/profile-id label value of a profile.
func ProfileID(kind nodestatusv1alpha1.ProfileKind, profile string) string {
	return LabelValue(string(kind) + "-" + profile)
}

// Set creates or updates this node's status for owner. It writes only
// when something changed and reports whether it did. The first Set or
// Delete of a profile in this process also removes the node's statuses of
// the profile that bear other names (see removeStale).
func (w *Writer) Set(ctx context.Context, owner client.Object, kind nodestatusv1alpha1.ProfileKind, st State) (bool, error) {
	changed, err := w.put(ctx, owner, kind, st)
	if err != nil {
		return false, err
	}
	return changed, w.removeStale(ctx, owner.GetNamespace(), kind, owner.GetName())
}

func (w *Writer) put(ctx context.Context, owner client.Object, kind nodestatusv1alpha1.ProfileKind, st State) (bool, error) {
	desired := &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{
			Name:      Name(kind, owner.GetName(), w.NodeName),
			Namespace: owner.GetNamespace(),
			Labels: map[string]string{
				keys.ProfileIDLabel:    ProfileID(kind, owner.GetName()),
				keys.NodeNameLabel:     LabelValue(w.NodeName),
				keys.ProfileStateLabel: string(st.Status),
			},
		},
		NodeName:    w.NodeName,
		ProfileKind: kind,
		ProfileName: owner.GetName(),
		Status:      st.Status,
		Reason:      st.Reason,
		Message:     truncate(st.Message, 4096),
	}
	if err := controllerutil.SetOwnerReference(owner, desired, w.Client.Scheme()); err != nil {
		return false, fmt.Errorf("own node status: %w", err)
	}
	current := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
	err := w.Client.Get(ctx, client.ObjectKeyFromObject(desired), current)
	if apierrors.IsNotFound(err) {
		return true, w.Client.Create(ctx, desired)
	}
	if err != nil {
		return false, err
	}
	if same(current, desired) {
		return false, nil
	}
	current.Labels = desired.Labels
	current.OwnerReferences = desired.OwnerReferences
	current.NodeName, current.ProfileKind, current.ProfileName = desired.NodeName, desired.ProfileKind, desired.ProfileName
	current.Status, current.Reason, current.Message = desired.Status, desired.Reason, desired.Message
	return true, w.Client.Update(ctx, current)
}

func same(a, b *nodestatusv1alpha1.SecurityProfileNodeStatus) bool {
	for k, v := range b.Labels {
		if a.Labels[k] != v {
			return false
		}
	}
	return len(a.OwnerReferences) == 1 && a.OwnerReferences[0].UID == b.OwnerReferences[0].UID &&
		a.NodeName == b.NodeName && a.ProfileKind == b.ProfileKind && a.ProfileName == b.ProfileName &&
		a.Status == b.Status && a.Reason == b.Reason && a.Message == b.Message
}

// Delete removes this node's status for a profile; a missing one is fine.
func (w *Writer) Delete(ctx context.Context, namespace string, kind nodestatusv1alpha1.ProfileKind, profile string) error {
	obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{ObjectMeta: metav1.ObjectMeta{
		Name: Name(kind, profile, w.NodeName), Namespace: namespace,
	}}
	if err := w.Client.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
		return err
	}
	if err := w.removeStale(ctx, namespace, kind, profile); err != nil {
		return err
	}
	// Forget the profile, so the memory of swept profiles does not grow
	// with every profile ever deleted.
	w.swept.Delete(sweepKey{namespace, kind, profile})
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
