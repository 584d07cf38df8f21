package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

func TestHandler(t *testing.T) {
	for _, tc := range []struct {
		name     string
		handler  admission.HandlerFunc
		code     int
		allowed  bool
		patch    bool
		warnings int
	}{{
		name:    "a panic becomes HTTP 500 so the failurePolicy applies",
		handler: func(context.Context, admission.Request) admission.Response { panic("boom") },
		code:    http.StatusInternalServerError,
	}, {
		name: "an internal error becomes HTTP 500",
		handler: func(context.Context, admission.Request) admission.Response {
			return admission.Errored(http.StatusInternalServerError, errors.New("cache"))
		},
		code: http.StatusInternalServerError,
	}, {
		name: "a denial is a decision",
		handler: func(context.Context, admission.Request) admission.Response {
			return admission.Denied("no")
		},
		code: http.StatusOK,
	}, {
		name: "a patch with warnings",
		handler: func(context.Context, admission.Request) admission.Response {
			return admission.Patched("", jsonpatch.NewOperation("add", "/metadata/labels", map[string]string{"a": "b"})).WithWarnings("careful")
		},
		code: http.StatusOK, allowed: true, patch: true, warnings: 1,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(admissionv1.AdmissionReview{
				TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
				Request:  &admissionv1.AdmissionRequest{UID: "u1", Operation: admissionv1.Create},
			})
			req := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			Handler("test.spo.io", tc.handler).ServeHTTP(rec, req)
			if rec.Code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", rec.Code, tc.code, rec.Body)
			}
			if tc.code != http.StatusOK {
				return
			}
			var out admissionv1.AdmissionReview
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			r := out.Response
			if out.Kind != "AdmissionReview" || r.UID != "u1" || r.Allowed != tc.allowed || (len(r.Patch) > 0) != tc.patch || len(r.Warnings) != tc.warnings {
				t.Errorf("unexpected response %+v", out)
			}
		})
	}
}

func TestHandlerBadRequest(t *testing.T) {
	for _, body := range []string{"", "{", `{"kind":"AdmissionReview"}`} {
		req := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		Handler("test.spo.io", admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
			t.Fatal("handler called")
			return admission.Response{}
		})).ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%q: HTTP %d", body, rec.Code)
		}
	}
}
