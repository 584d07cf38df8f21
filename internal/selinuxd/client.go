package selinuxd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// DefaultSocket is where the daemon reaches selinuxd's API.
const DefaultSocket = "/var/run/selinuxd/selinuxd.sock"

const (
	// requestTimeout bounds one request, body included. selinuxd answers
	// from its status database without waiting for installs, so a request
	// that takes longer means selinuxd is stuck, and the caller's retry is
	// the better way to wait.
	requestTimeout = 5 * time.Second
	// maxBodyBytes bounds what we read of an answer; the longest real one,
	// a semodule error message, is a few kilobytes.
	maxBodyBytes = 1 << 20
)

var (
	// ErrUnavailable wraps every failure to reach selinuxd: no socket,
	// connection refused or dropped, timeout. selinuxd may be starting or
	// restarting, so the call is worth retrying.
	ErrUnavailable = errors.New("selinuxd unavailable")
	// ErrBadResponse wraps answers the protocol does not allow: an
	// unexpected HTTP status, a body that is not the expected JSON, or one
	// larger than 1 MiB.
	ErrBadResponse = errors.New("unexpected answer from selinuxd")
	// ErrNotFound is returned by Status when selinuxd has not seen the
	// policy: its file is not there yet, or selinuxd has not picked it up.
	ErrNotFound = errors.New("policy not known to selinuxd")
)

// PolicyState is selinuxd's verdict on a policy file.
type PolicyState string

// The states selinuxd reports. Status passes any other non-empty state
// through, so a newer selinuxd's states reach the caller.
const (
	StateInstalled PolicyState = "Installed"
	StateFailed    PolicyState = "Failed"
)

// Status is one policy's state; Message holds selinuxd's reason (the
// semodule error) when the install failed.
type Status struct {
	State   PolicyState
	Message string
}

// Client asks selinuxd over its UNIX socket. It is safe for concurrent use.
type Client struct {
	http    *http.Client
	timeout time.Duration
}

// NewClient returns a client for the selinuxd API served on socket. It
// connects lazily, so selinuxd need not be running yet.
func NewClient(socket string) *Client {
	var dialer net.Dialer
	transport := &http.Transport{
		// Every request goes to the socket whatever the URL says. Proxy
		// stays nil: an HTTP_PROXY in the daemon's environment must not
		// divert node-local traffic.
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", socket)
		},
		MaxIdleConns:    2,
		IdleConnTimeout: 30 * time.Second,
	}
	return &Client{http: &http.Client{Transport: transport}, timeout: requestTimeout}
}

// Ready reports whether selinuxd has finished installing the policies
// present when it started and follows its directory.
func (c *Client) Ready(ctx context.Context) (bool, error) {
	var answer struct {
		Ready *bool `json:"ready"`
	}
	if err := c.get(ctx, "/ready", false, &answer); err != nil {
		return false, err
	}
	if answer.Ready == nil {
		return false, fmt.Errorf("get /ready: %w: no \"ready\" field", ErrBadResponse)
	}
	return *answer.Ready, nil
}

// Status returns selinuxd's verdict on policy, or ErrNotFound when it has
// none.
func (c *Client) Status(ctx context.Context, policy string) (Status, error) {
	if err := ValidPolicyName(policy); err != nil {
		return Status{}, err
	}
	var answer struct {
		Status  string `json:"status"`
		Message string `json:"msg"`
	}
	if err := c.get(ctx, "/policies/"+url.PathEscape(policy), true, &answer); err != nil {
		return Status{}, err
	}
	if answer.Status == "" {
		return Status{}, fmt.Errorf("get status of %s: %w: no \"status\" field", policy, ErrBadResponse)
	}
	return Status{State: PolicyState(answer.Status), Message: answer.Message}, nil
}

// List returns the names of the policies selinuxd has installed, sorted.
func (c *Client) List(ctx context.Context) ([]string, error) {
	var names []string
	if err := c.get(ctx, "/policies/", false, &names); err != nil {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

// get fetches path and decodes its JSON body into into. A 404 means
// ErrNotFound where the protocol allows it (maybe404), and a wrong
// server or path elsewhere.
func (c *Client) get(ctx context.Context, path string, maybe404 bool, into any) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// The host is never resolved: DialContext ignores it.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://selinuxd"+path, nil)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w: %w", path, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return fmt.Errorf("get %s: read answer: %w: %w", path, ErrUnavailable, err)
	}
	switch {
	case len(body) > maxBodyBytes:
		return fmt.Errorf("get %s: %w: answer larger than %d bytes", path, ErrBadResponse, maxBodyBytes)
	case resp.StatusCode == http.StatusNotFound && maybe404:
		return fmt.Errorf("get %s: %w", path, ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("get %s: %w: HTTP %d: %q", path, ErrBadResponse, resp.StatusCode, excerpt(body))
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("get %s: %w: %w: %q", path, ErrBadResponse, err, excerpt(body))
	}
	return nil
}

// excerpt keeps error messages short when selinuxd answers at length.
func excerpt(body []byte) []byte {
	const max = 200
	if len(body) > max {
		return body[:max]
	}
	return body
}
