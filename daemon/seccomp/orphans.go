package seccomp

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

// orphanSweep removes, when the daemon starts, the files of profiles that
// no longer exist, in the namespaces the daemon handles. A profile
// deleted while this node's daemon was down sends the daemon no event
// once it is back, so without the sweep its file would stay on the node
// for good. Files of profiles that do exist need nothing here: the start
// reconciles every profile, which rewrites a file whose content differs
// and removes one that must not be installed.
type orphanSweep struct{ r *Reconciler }

// Start runs the sweep once; the manager starts it after its caches.
func (s orphanSweep) Start(ctx context.Context) error { return s.r.removeOrphans(ctx) }

// NeedLeaderElection is false: every node's daemon sweeps its own files.
func (orphanSweep) NeedLeaderElection() bool { return false }

func (r *Reconciler) removeOrphans(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx)
	// Files first, profiles second: a file written after the listing is
	// not looked at, and one listed before belongs to a profile the cache
	// already held, so a profile created meanwhile never loses its file.
	onDisk, err := r.Store.Profiles()
	if err != nil {
		return fmt.Errorf("list installed profiles: %w", err)
	}
	list := &seccompprofilev1beta1.SeccompProfileList{}
	if err := r.Client.List(ctx, list); err != nil {
		return fmt.Errorf("list seccomp profiles: %w", err)
	}
	exists := make(map[types.NamespacedName]bool, len(list.Items))
	for i := range list.Items {
		exists[client.ObjectKeyFromObject(&list.Items[i])] = true
	}
	for _, key := range onDisk {
		if exists[key] || !r.handles(key.Namespace) {
			continue
		}
		removed, err := r.Store.Remove(key.Namespace, key.Name)
		if err != nil {
			// One stuck file must not keep the node from installing the
			// others; it is retried at the next start.
			countError(ReasonCannotRemove)
			log.Error(err, "Cannot remove the file of a deleted profile", "profile", key)
			continue
		}
		if removed {
			countOperation(operationDelete)
			log.Info("Removed the file of a profile deleted while the daemon was down", "profile", key)
		}
	}
	return nil
}

// handles reports whether the profiles of namespace are this daemon's to
// judge. A restricted daemon's cache holds no profile of other namespaces,
// so to it their files would all look orphaned; they belong to whoever
// watches there (the storage is node-wide, shared by every install of
// the operator).
func (r *Reconciler) handles(namespace string) bool {
	return r.WatchNamespace == "" || namespace == r.WatchNamespace || namespace == r.OperatorNamespace
}

// Profiles lists, sorted, the profiles that have a file or an audit copy
// in the storage. Entries not shaped like a profile's (the operator's own
// profiles at the top, temporary files, anything put there by hand) are
// not listed.
func (s *Store) Profiles() ([]types.NamespacedName, error) {
	fsys := s.root.FS()
	namespaces, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.dir, err)
	}
	seen := map[types.NamespacedName]bool{}
	for _, ns := range namespaces {
		if !ns.IsDir() || len(validation.IsDNS1123Label(ns.Name())) > 0 {
			continue
		}
		for _, dir := range []string{ns.Name(), filepath.Join(ns.Name(), podprofiles.AuditDir)} {
			entries, err := fs.ReadDir(fsys, dir)
			if errors.Is(err, fs.ErrNotExist) && dir != ns.Name() {
				continue // no audit copies in this namespace
			}
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", filepath.Join(s.dir, dir), err)
			}
			for _, e := range entries {
				name, ok := strings.CutSuffix(e.Name(), ".json")
				if ok && e.Type().IsRegular() && len(validation.IsDNS1123Subdomain(name)) == 0 {
					seen[types.NamespacedName{Namespace: ns.Name(), Name: name}] = true
				}
			}
		}
	}
	out := make([]types.NamespacedName, 0, len(seen))
	for key := range seen {
		out = append(out, key)
	}
	slices.SortFunc(out, func(a, b types.NamespacedName) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}
