package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/securityprofiles/operator/hack/bench/abratio"
	"github.com/securityprofiles/operator/webhooks/binding"
	"github.com/securityprofiles/operator/webhooks/recording"
	"github.com/securityprofiles/operator/webhooks/server"
)

// benchRequest is the admission request for creating the bench pod.
func benchRequest(ns string) (admission.Request, error) {
	raw, err := json.Marshal(benchPod(ns, "bench-"))
	if err != nil {
		return admission.Request{}, err
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: "bench", Operation: admissionv1.Create, Namespace: ns,
		Kind:   metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Object: runtime.RawExtension{Raw: raw},
	}}, nil
}

// benchHandlers times each handler directly (the decision, cache reads
// included) and through server.Handler (adding AdmissionReview decoding
// and encoding), as the API server's request would.
func benchHandlers(ctx context.Context, mgr ctrl.Manager, ns string, calls int) error {
	req, err := benchRequest(ns)
	if err != nil {
		return err
	}
	handlers := []struct {
		name string
		h    admission.Handler
	}{
		{"binding.spo.io", &binding.Handler{Reader: mgr.GetCache()}},
		{"recording.spo.io", &recording.Handler{Reader: mgr.GetCache()}},
	}
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  &req.AdmissionRequest,
	})
	if err != nil {
		return err
	}
	fmt.Printf("handler latency, %d calls each\n", calls)
	for _, h := range handlers {
		direct := make([]time.Duration, 0, calls)
		for range calls {
			start := time.Now()
			if resp := h.h.Handle(ctx, req); !resp.Allowed || len(resp.Patches) == 0 {
				return fmt.Errorf("%s did not patch the bench pod", h.name)
			}
			direct = append(direct, time.Since(start))
		}
		served := server.Handler(h.name, h.h)
		viaHTTP := make([]time.Duration, 0, calls)
		for range calls {
			r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			start := time.Now()
			served.ServeHTTP(w, r)
			viaHTTP = append(viaHTTP, time.Since(start))
			if w.Code != http.StatusOK {
				return fmt.Errorf("%s answered HTTP %d", h.name, w.Code)
			}
		}
		fmt.Printf("  %-17s handler     %s\n", h.name, summary(direct))
		fmt.Printf("  %-17s +review I/O %s\n", h.name, summary(viaHTTP))
	}
	return nil
}

// benchEndToEnd creates pods at a fixed rate, each in its own goroutine
// so a slow create does not delay the next, in rounds that alternate an
// unlabelled namespace (no webhook called) and the labelled one (both
// webhooks) so drift hits both, and reports create latency as the client
// sees it.
func benchEndToEnd(ctx context.Context, c client.Client, labelled string, pods, rate, rounds int) error {
	plain := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-plain-"}}
	if err := c.Create(ctx, plain); err != nil {
		return err
	}
	rounds = max(rounds, 1)
	per := max(pods/rounds, 1)
	fmt.Printf("\nend-to-end pod create through kube-apiserver, %d alternating rounds of %d pods at %d/s (after %d warm-up creates each)\n",
		rounds, per, rate, pods/10)
	for _, ns := range []string{plain.Name, labelled} {
		if _, err := createAtRate(ctx, c, ns, pods/10, rate); err != nil {
			return err
		}
	}
	var base, hooked, base50, hooked50, base99, hooked99 []time.Duration
	for range rounds {
		b, err := createAtRate(ctx, c, plain.Name, per, rate)
		if err != nil {
			return err
		}
		h, err := createAtRate(ctx, c, labelled, per, rate)
		if err != nil {
			return err
		}
		base, hooked = append(base, b...), append(hooked, h...)
		base50, hooked50 = append(base50, pct(b, 50)), append(hooked50, pct(h, 50))
		base99, hooked99 = append(base99, pct(b, 99)), append(hooked99, pct(h, 99))
	}
	fmt.Printf("  %-19s %s\n", "without webhooks", summary(base))
	fmt.Printf("  %-19s %s\n", "with both webhooks", summary(hooked))
	fmt.Printf("  %-19s p50 %s  p99 %s\n", "overhead", pct(hooked, 50)-pct(base, 50), pct(hooked, 99)-pct(base, 99))
	fmt.Printf("  %s\n", abratio.Line("round p50", "without", "with", base50, hooked50))
	fmt.Printf("  %s\n", abratio.Line("round p99", "without", "with", base99, hooked99))
	return nil
}

// createAtRate creates n pods, one every 1/rate seconds.
func createAtRate(ctx context.Context, c client.Client, ns string, n, rate int) ([]time.Duration, error) {
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		lat   = make([]time.Duration, 0, n)
		first error
	)
	for range n {
		<-tick.C
		wg.Go(func() {
			start := time.Now()
			err := c.Create(ctx, benchPod(ns, "bench-"))
			d := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			lat = append(lat, d)
		})
	}
	wg.Wait()
	return lat, first
}

func summary(d []time.Duration) string {
	return fmt.Sprintf("p50 %-10s p99 %-10s max %s", pct(d, 50), pct(d, 99), pct(d, 100))
}

// pct is the p-th percentile (nearest rank) of d.
func pct(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p+99)/100 - 1
	if i < 0 {
		i = 0
	}
	return s[i].Round(time.Microsecond)
}
