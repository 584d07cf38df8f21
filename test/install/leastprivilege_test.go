package install

import (
	"errors"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/internal/manifests"
	"github.com/securityprofiles/operator/internal/webhookconfig"
)

// appliedKinds are the objects of the default install that decide what its
// service accounts may do. They are applied for real, unlike the dry runs
// of the other specs: authorization and admission only read stored
// objects.
var appliedKinds = map[string]bool{
	"Namespace": true, "ServiceAccount": true,
	"ClusterRole": true, "Role": true, "ClusterRoleBinding": true, "RoleBinding": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
}

// applyAccessObjects server-side applies appliedKinds of the default
// install. It uses dryRunApply's field manager, so the other specs' dry
// runs of other renderings replace these fields instead of conflicting
// with them.
func applyAccessObjects(ctx SpecContext) {
	for _, o := range objects(render(manifests.Default)) {
		if !appliedKinds[o.GetKind()] {
			continue
		}
		Expect(env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(o),
			client.FieldOwner("spo-install-test"))).To(Succeed(), "apply %s %s", o.GetKind(), o.GetName())
	}
}

// request is one row of an authorization table; an empty namespace asks
// about a cluster-scoped resource or all namespaces.
type request struct {
	verb, group, resource, namespace, name string
}

func (r request) String() string {
	group := r.group
	if group == "" {
		group = "core"
	}
	return fmt.Sprintf("%s %s.%s %s/%s", r.verb, r.resource, group, r.namespace, r.name)
}

// managerMay asks the API server whether the manager's service account may
// make the request.
func managerMay(ctx SpecContext, r request) bool {
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: "system:serviceaccount:" + operatorNamespace + ":security-profiles-operator",
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + operatorNamespace,
			"system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: r.verb, Group: r.group, Resource: r.resource, Namespace: r.namespace, Name: r.name,
		},
	}}
	Expect(env.Client.Create(ctx, review)).To(Succeed())
	return review.Status.Allowed
}

// nodeStatus is node's status of the namespace's profiles as the daemon
// writes it: named after the node, labelled with it, listing one
// SeccompProfile.
func nodeStatus(namespace, node string) *nodestatusv1alpha1.SecurityProfileNodeStatus {
	return &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace, Name: node, Labels: map[string]string{keys.NodeNameLabel: node},
		},
		NodeName: node,
		Profiles: []nodestatusv1alpha1.ProfileNodeState{{
			Kind: "SeccompProfile", Name: "profile", UID: "6f1c2d0e-0000-4000-8000-000000000001",
			Status: profilebasev1alpha1.StatePending, Reason: "Pending",
		}},
		ProfileCount: 1,
	}
}

// tokenClient is a client that authenticates with the bearer token only:
// no client certificate, so the API server sees the service account.
func tokenClient(token string) client.Client {
	cfg := &rest.Config{
		Host:            env.Config.Host,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: env.Config.CAData},
	}
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	Expect(err).NotTo(HaveOccurred())
	return c
}

// spodToken requests a token for the daemon's service account, bound to
// pod when it is not nil.
func spodToken(ctx SpecContext, pod *corev1.Pod) string {
	clientset, err := kubernetes.NewForConfig(env.Config)
	Expect(err).NotTo(HaveOccurred())
	req := &authenticationv1.TokenRequest{}
	if pod != nil {
		req.Spec.BoundObjectRef = &authenticationv1.BoundObjectReference{
			APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID,
		}
	}
	resp, err := clientset.CoreV1().ServiceAccounts(operatorNamespace).
		CreateToken(ctx, spod.DaemonServiceAccount, req, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred())
	return resp.Status.Token
}

// daemonPodOn creates a pod of the daemon's service account on node. The
// pod never runs: the API server only needs it, and its node, to exist to
// put the node's name into a token bound to it.
func daemonPodOn(ctx SpecContext, node string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, GenerateName: "spod-"},
		Spec: corev1.PodSpec{
			ServiceAccountName: spod.DaemonServiceAccount,
			NodeName:           node,
			Containers:         []corev1.Container{{Name: "daemon", Image: "registry.k8s.io/pause:3.10"}},
		},
	}
	Expect(env.Client.Create(ctx, pod)).To(Succeed())
	return pod
}

// refusedByPolicy matches the error of a request the daemon's node status
// policy denied with a message containing phrase.
func refusedByPolicy(phrase string) OmegaMatcher {
	return And(
		Satisfy(func(err error) bool { return apierrors.IsForbidden(err) || apierrors.IsInvalid(err) }),
		MatchError(ContainSubstring("ValidatingAdmissionPolicy 'spo-daemon-own-node-status'")),
		MatchError(ContainSubstring(phrase)))
}

// The specs below need the install's RBAC and admission policy stored, so
// they share one apply. Both are loaded by the API server asynchronously:
// every spec first waits for a request only the stored objects can decide.
var _ = Describe("Least privilege", Ordered, func() {
	BeforeAll(func(ctx SpecContext) {
		applyAccessObjects(ctx)
	})

	It("the manager writes workloads, Services and certificates only in its namespace, and the webhook configuration only by name", func(ctx SpecContext) {
		const ns = operatorNamespace
		const mwc = "mutatingwebhookconfigurations"
		const admission = "admissionregistration.k8s.io"
		allowed := []request{
			{"patch", "apps", "daemonsets", ns, spod.DaemonSetName},
			{"create", "apps", "daemonsets", ns, ""},
			{"create", "apps", "deployments", ns, ""},
			// selinuxd's, and those of kubelet roots no node uses any more.
			{"delete", "apps", "daemonsets", ns, spod.SelinuxdDaemonSetName},
			{"create", "", "secrets", ns, ""},
			{"create", "", "services", ns, ""},
			{"create", "policy", "poddisruptionbudgets", ns, ""},
			{"create", "monitoring.coreos.com", "servicemonitors", ns, ""},
			{"create", "cert-manager.io", "issuers", ns, ""},
			{"create", "cert-manager.io", "certificates", ns, ""},
			{"create", admission, mwc, "", ""},
			{"get", admission, mwc, "", webhookconfig.Name},
			{"patch", admission, mwc, "", webhookconfig.Name},
			{"list", admission, mwc, "", webhookconfig.Name},
			{"watch", admission, mwc, "", webhookconfig.Name},
		}
		denied := []request{
			{"patch", "apps", "daemonsets", "default", spod.DaemonSetName},
			{"create", "apps", "deployments", "default", ""},
			{"list", "apps", "daemonsets", "", ""},
			{"create", "", "services", "default", ""},
			{"get", "", "secrets", "default", "webhook-cert"},
			{"create", "policy", "poddisruptionbudgets", "default", ""},
			{"create", "monitoring.coreos.com", "servicemonitors", "default", ""},
			{"create", "cert-manager.io", "certificates", "default", ""},
			{"delete", "apps", "daemonsets", "default", spod.DaemonSetName},
			{"delete", "apps", "deployments", ns, "security-profiles-operator"},
			{"patch", admission, mwc, "", "other"},
			{"get", admission, mwc, "", "other"},
			{"list", admission, mwc, "", ""},
			{"delete", admission, mwc, "", webhookconfig.Name},
		}
		// Each allowed row waits for the roles and bindings that grant it
		// to reach the authorizer's cache; once all are allowed, every
		// object applied is cached and a denial is final.
		for _, r := range allowed {
			Eventually(func(ctx SpecContext) bool { return managerMay(ctx, r) }).
				WithContext(ctx).WithTimeout(30*time.Second).Should(BeTrue(), "the manager may not %s", r)
		}
		for _, r := range denied {
			Expect(managerMay(ctx, r)).To(BeFalse(), "the manager may %s", r)
		}
	})

	It("a daemon token writes only its own node's statuses", func(ctx SpecContext) {
		for _, node := range []string{"n1", "n2"} {
			err := env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}})
			Expect(client.IgnoreAlreadyExists(err)).To(Succeed())
		}
		statusNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "node-statuses-"}}
		Expect(env.Client.Create(ctx, statusNS)).To(Succeed())
		ns := statusNS.Name
		daemon := tokenClient(spodToken(ctx, daemonPodOn(ctx, "n1")))

		By("refusing another node's status once the policy is loaded")
		var err error
		Eventually(func(ctx SpecContext) error {
			other := nodeStatus(ns, "n2")
			if err = daemon.Create(ctx, other); err == nil {
				// Admitted before the policy was loaded: the name is
				// fixed, so take it back before the next try.
				Expect(env.Client.Delete(ctx, other)).To(Succeed())
				return errors.New("admitted")
			}
			return err
		}).WithContext(ctx).WithTimeout(30 * time.Second).
			Should(MatchError(ContainSubstring("ValidatingAdmissionPolicy 'spo-daemon-own-node-status'")))
		Expect(err).To(refusedByPolicy("the daemon on node n1 may write only its own node's statuses, not one of node n2"))

		By("refusing a status of its own node not named after it")
		misnamed := nodeStatus(ns, "n1")
		misnamed.Name = "seccompprofile-profile-n1"
		Expect(daemon.Create(ctx, misnamed)).To(refusedByPolicy("a node status is named after its node: seccompprofile-profile-n1 is not n1"))

		By("writing its own node's status")
		own := nodeStatus(ns, "n1")
		Expect(daemon.Create(ctx, own)).To(Succeed())
		moved := own.DeepCopy()
		moved.NodeName = "n2"
		Expect(daemon.Update(ctx, moved)).To(refusedByPolicy("may write only its own node's statuses, not one of node n2"))
		relabelled := own.DeepCopy()
		relabelled.Labels[keys.NodeNameLabel] = "n2"
		Expect(daemon.Update(ctx, relabelled)).To(refusedByPolicy("the spo.x-k8s.io/node-name label n2 does not name node n1"))
		own.Profiles[0].Status, own.Profiles[0].Reason, own.Profiles[0].Message = profilebasev1alpha1.StateInstalled, "ProfileInstalled", ""
		own.InstalledCount = 1
		Expect(daemon.Update(ctx, own)).To(Succeed())
		Expect(daemon.Delete(ctx, own)).To(Succeed())

		By("deleting its own node's status of the earlier one-per-profile shape")
		earlier := nodeStatus(ns, "n1")
		earlier.Name, earlier.Profiles, earlier.ProfileCount = "seccompprofile-profile-n1", nil, 0
		Expect(env.Client.Create(ctx, earlier)).To(Succeed())
		Expect(daemon.Delete(ctx, earlier)).To(Succeed())

		By("leaving another node's status, which an admin may write, alone")
		theirs := nodeStatus(ns, "n2")
		Expect(env.Client.Create(ctx, theirs)).To(Succeed())
		edited := theirs.DeepCopy()
		edited.Profiles[0].Message = "tampered"
		Expect(daemon.Update(ctx, edited)).To(refusedByPolicy("not one of node n2"))
		stolen := theirs.DeepCopy()
		stolen.NodeName, stolen.Labels[keys.NodeNameLabel] = "n1", "n1"
		Expect(daemon.Update(ctx, stolen)).To(refusedByPolicy("a node status is named after its node: n2 is not n1"))
		// Even one named after the daemon's node, if it names another.
		squatted := nodeStatus(ns, "n2")
		squatted.Name = "n1"
		Expect(env.Client.Create(ctx, squatted)).To(Succeed())
		squatted.NodeName, squatted.Labels[keys.NodeNameLabel] = "n1", "n1"
		Expect(daemon.Update(ctx, squatted)).To(refusedByPolicy("may change or delete only its own node's statuses, not one of node n2"))
		Expect(env.Client.Delete(ctx, squatted)).To(Succeed())
		Expect(daemon.Delete(ctx, theirs)).To(refusedByPolicy("may change or delete only its own node's statuses, not one of node n2"))
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(theirs), theirs)).To(Succeed())
		Expect(theirs.Profiles[0].Message).To(BeEmpty())
		Expect(env.Client.Delete(ctx, theirs)).To(Succeed())

		By("refusing a token that is not bound to the daemon's pod")
		unbound := tokenClient(spodToken(ctx, nil))
		Expect(unbound.Create(ctx, nodeStatus(ns, "n1"))).To(refusedByPolicy("the node daemon's token names no node"))
	})
})
