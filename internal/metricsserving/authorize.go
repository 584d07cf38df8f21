package metricsserving

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// Authorize is the metrics servers' filter provider: a request needs a
// bearer token that the API server authenticates (TokenReview) for a user
// it allows (SubjectAccessReview) the request's verb on its path, which
// the ClusterRole spo-metrics-client grants ("get" on /metrics and
// /metrics-spod). No token is 401, a user without the grant 403, an API
// server that cannot answer 500.
//
// controller-runtime's filters.WithAuthenticationAndAuthorization does
// the same through k8s.io/apiserver, which links CEL, gRPC and every API
// server configuration type into each binary: 20 of the 55 MB of the
// manager and of the daemon, mapped whole by kernels that map files in
// large folios (hack/bench/podmem.sh). These two requests need none of it.
func Authorize(cfg *rest.Config, httpClient *http.Client) (metricsserver.Filter, error) {
	reviews, err := client.New(cfg, client.Options{HTTPClient: httpClient, Scheme: reviewScheme, Mapper: reviewMapper})
	if err != nil {
		return nil, fmt.Errorf("client for token and access reviews: %w", err)
	}
	a := &authorizer{reviews: reviews, decisions: decisions{entries: map[decisionKey]decision{}}}
	return func(log logr.Logger, next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			code, err := a.decide(r)
			if err != nil {
				log.Error(err, "Unable to check a metrics request", "path", r.URL.Path)
			}
			if code != http.StatusOK {
				http.Error(w, http.StatusText(code), code)
				return
			}
			// The token is for this server only.
			r.Header.Del("Authorization")
			next.ServeHTTP(w, r)
		}), nil
	}, nil
}

var (
	reviewScheme = func() *runtime.Scheme {
		s := runtime.NewScheme()
		_ = authenticationv1.AddToScheme(s)
		_ = authorizationv1.AddToScheme(s)
		return s
	}()
	// reviewMapper spares the client a discovery request: both kinds are
	// cluster-scoped and create-only.
	reviewMapper = func() meta.RESTMapper {
		m := meta.NewDefaultRESTMapper(nil)
		m.Add(authenticationv1.SchemeGroupVersion.WithKind("TokenReview"), meta.RESTScopeRoot)
		m.Add(authorizationv1.SchemeGroupVersion.WithKind("SubjectAccessReview"), meta.RESTScopeRoot)
		return m
	}()
)

// authorizer answers requests from its decisions while they last, and
// asks the API server otherwise.
type authorizer struct {
	reviews   client.Client
	decisions decisions
}

// decide returns the status code the request gets, and the error when the
// API server could not answer (500).
func (a *authorizer) decide(r *http.Request) (int, error) {
	token, ok := bearer(r.Header.Get("Authorization"))
	if !ok {
		return http.StatusUnauthorized, nil
	}
	key := decisionKey{token: sha256.Sum256([]byte(token)), verb: strings.ToLower(r.Method), path: r.URL.Path}
	if code, ok := a.decisions.get(key, time.Now()); ok {
		return code, nil
	}
	code, err := a.review(r.Context(), token, key)
	if err != nil {
		return http.StatusInternalServerError, err
	}
	a.decisions.put(key, code, time.Now())
	return code, nil
}

// review asks the API server who holds token and whether they may use
// verb on path.
func (a *authorizer) review(ctx context.Context, token string, key decisionKey) (int, error) {
	tr := &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}
	if err := a.reviews.Create(ctx, tr); err != nil {
		return 0, fmt.Errorf("token review: %w", err)
	}
	if !tr.Status.Authenticated {
		return http.StatusUnauthorized, nil
	}
	user := tr.Status.User
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:                  user.Username,
		UID:                   user.UID,
		Groups:                user.Groups,
		NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: key.path, Verb: key.verb},
	}}
	if len(user.Extra) > 0 {
		sar.Spec.Extra = make(map[string]authorizationv1.ExtraValue, len(user.Extra))
		for k, v := range user.Extra {
			sar.Spec.Extra[k] = authorizationv1.ExtraValue(v)
		}
	}
	if err := a.reviews.Create(ctx, sar); err != nil {
		return 0, fmt.Errorf("access review for %s: %w", user.Username, err)
	}
	if !sar.Status.Allowed || sar.Status.Denied {
		return http.StatusForbidden, nil
	}
	return http.StatusOK, nil
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}
