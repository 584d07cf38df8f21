package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Budget bounds one handler call. It stays below the 5 s timeout of the
// webhook configuration so a stuck cache read ends as our HTTP error (and
// the failurePolicy) with a log line, rather than an API server timeout.
const Budget = 3 * time.Second

// maxBody is the largest AdmissionReview read: a pod is at most ~1.5 MB
// in etcd, and the review carries it once on CREATE.
const maxBody = 4 << 20

// Handler serves h as the webhook name. A panic in h, or an internal
// error (a non-allowed response with a code of 500 or more), becomes an
// HTTP 500 response: the API server then applies the webhook's
// failurePolicy, so with Ignore the pod is admitted unchanged and with
// Fail it is refused, as the administrator chose. A denial with a 4xx
// code is a real decision and goes back to the user.
func Handler(name string, h admission.Handler) http.Handler {
	// Export every series from the start, so a dashboard sees zeros
	// rather than nothing before the first pod.
	requestsTotal.WithLabelValues(name)
	requestDuration.WithLabelValues(name)
	warningsTotal.WithLabelValues(name)
	for _, o := range []string{OutcomePatched, OutcomeUnchanged, OutcomeDenied, OutcomeError, OutcomePanic} {
		decisionsTotal.WithLabelValues(name, o)
	}
	return &guarded{name: name, handler: h}
}

type guarded struct {
	name    string
	handler admission.Handler
}

// ServeHTTP decodes the AdmissionReview, decides and encodes the answer.
func (g *guarded) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	requestsTotal.WithLabelValues(g.name).Inc()
	log := ctrl.Log.WithName("webhook").WithValues("webhook", g.name)
	review, err := decode(r)
	if err != nil {
		g.finish(start, OutcomeError)
		log.Error(err, "Bad admission request")
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := admission.Request{AdmissionRequest: *review.Request}
	log = log.WithValues("namespace", req.Namespace, "uid", req.UID)
	resp, outcome := g.decide(r.Context(), req)
	if outcome != OutcomeError && outcome != OutcomePanic {
		if err := resp.Complete(req); err != nil {
			resp, outcome = admission.Errored(http.StatusInternalServerError, err), OutcomeError
		}
	}
	g.finish(start, outcome)
	if outcome == OutcomeError || outcome == OutcomePanic {
		msg := "internal error"
		if resp.Result != nil {
			msg = resp.Result.Message
		}
		log.Error(fmt.Errorf("%s", msg), "Admission failed; the API server applies the failurePolicy")
		http.Error(w, msg, http.StatusInternalServerError)
		return
	}
	warningsTotal.WithLabelValues(g.name).Add(float64(len(resp.Warnings)))
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: &resp.AdmissionResponse}
	out.SetGroupVersionKind(admissionv1.SchemeGroupVersion.WithKind("AdmissionReview"))
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		log.Error(err, "Unable to write admission response")
	}
}

// decide runs the handler within Budget and classifies its answer. A
// panic is recovered here so that our bug never reaches net/http (which
// would drop the connection) and is counted.
func (g *guarded) decide(ctx context.Context, req admission.Request) (resp admission.Response, outcome string) {
	defer func() {
		if p := recover(); p != nil {
			ctrl.Log.WithName("webhook").Error(fmt.Errorf("panic: %v", p), "Handler panicked", "webhook", g.name, "stack", string(debug.Stack()))
			resp, outcome = admission.Errored(http.StatusInternalServerError, fmt.Errorf("panic in %s: %v", g.name, p)), OutcomePanic
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, Budget)
	defer cancel()
	resp = g.handler.Handle(ctx, req)
	return resp, classify(resp)
}

// classify names the outcome of a response.
func classify(resp admission.Response) string {
	switch {
	case !resp.Allowed && resp.Result != nil && resp.Result.Code >= http.StatusInternalServerError:
		return OutcomeError
	case !resp.Allowed:
		return OutcomeDenied
	case len(resp.Patches) > 0 || len(resp.Patch) > 0:
		return OutcomePatched
	default:
		return OutcomeUnchanged
	}
}

func (g *guarded) finish(start time.Time, outcome string) {
	requestDuration.WithLabelValues(g.name).Observe(time.Since(start).Seconds())
	decisionsTotal.WithLabelValues(g.name, outcome).Inc()
}

// decode reads an AdmissionReview v1 from the request body.
func decode(r *http.Request) (*admissionv1.AdmissionReview, error) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		return nil, fmt.Errorf("content type %q, want application/json", ct)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("body larger than %d bytes", maxBody)
	}
	review := &admissionv1.AdmissionReview{}
	if err := json.Unmarshal(body, review); err != nil {
		return nil, fmt.Errorf("decode AdmissionReview: %w", err)
	}
	if review.Request == nil {
		return nil, fmt.Errorf("AdmissionReview without a request")
	}
	return review, nil
}
