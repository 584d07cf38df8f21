package webhooktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// RestrictedHandler is a webhook wired as the webhook binary wires it
// under --watch-namespace: setup registers it on a manager whose cache
// holds only namespaces. Only the cache runs (until ctx ends); Admit sends
// requests straight to the handler setup registered at path.
type RestrictedHandler struct {
	mux  *http.ServeMux
	path string
}

// NewRestrictedHandler builds the manager, calls setup and waits for the
// cache. The suite's own manager has registered the webhook's controllers
// already, hence no controller name validation.
func (s *Suite) NewRestrictedHandler(ctx context.Context, path string, namespaces []string, setup SetupFunc) (*RestrictedHandler, error) {
	byNamespace := map[string]cache.Config{}
	for _, ns := range namespaces {
		byNamespace[ns] = cache.Config{}
	}
	skipNameValidation := true
	mgr, err := ctrl.NewManager(s.Env.Config, ctrl.Options{
		Scheme:                 s.Env.Scheme,
		Cache:                  cache.Options{DefaultNamespaces: byNamespace},
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: &skipNameValidation},
	})
	if err != nil {
		return nil, err
	}
	if err := setup(ctx, mgr); err != nil {
		return nil, err
	}
	go func() { _ = mgr.GetCache().Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("restricted cache did not sync")
	}
	return &RestrictedHandler{mux: mgr.GetWebhookServer().WebhookMux(), path: path}, nil
}

// Admit posts pod's creation to the handler as the API server would and
// returns the answer.
func (h *RestrictedHandler) Admit(pod *corev1.Pod) (*admissionv1.AdmissionResponse, error) {
	raw, err := json.Marshal(pod)
	if err != nil {
		return nil, err
	}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: types.UID("uid-" + pod.Namespace), Operation: admissionv1.Create, Namespace: pod.Namespace, Name: pod.Name,
			Kind:   metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Object: runtime.RawExtension{Raw: raw},
		},
	}
	body, err := json.Marshal(review)
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequest(http.MethodPost, h.path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d: %s", h.path, rec.Code, rec.Body.String())
	}
	out := admissionv1.AdmissionReview{}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		return nil, err
	}
	return out.Response, nil
}
