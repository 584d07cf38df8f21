package enricher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
)

// Source yields raw audit records one at a time.
type Source interface {
	// Next blocks until a record arrives or ctx is done. msgType is the
	// netlink message type, or 0 for a log line to be parsed whole. text
	// is only valid until the next call. ErrDropped and audit.ErrTooLong
	// report records that were lost or skipped; reading may go on.
	Next(ctx context.Context) (msgType uint16, text []byte, err error)
	// Name says where records come from, for logs.
	Name() string
	// Close releases the source.
	Close() error
}

// ErrDropped is returned by a Source when the kernel dropped records
// because they were not read fast enough.
var ErrDropped = errors.New("audit records dropped")

// Defaults for Options.
const (
	DefaultAuditLog      = "/var/log/audit/audit.log"
	DefaultSyslog        = "/var/log/syslog"
	DefaultReceiveBuffer = 64 << 20
	defaultPollInterval  = 250 * time.Millisecond
)

// Options says where OpenSource looks for audit records. Zero values
// take the defaults.
type Options struct {
	// AuditLog is auditd's log file (DefaultAuditLog).
	AuditLog string
	// Syslog is the kernel log as syslog writes it (DefaultSyslog).
	Syslog string
	// ReceiveBuffer is the netlink socket's receive buffer in bytes
	// (DefaultReceiveBuffer).
	ReceiveBuffer int
	// PollInterval is how often a file source at its end looks for new
	// lines, rotation and truncation (250ms).
	PollInterval time.Duration
}

func (o Options) withDefaults() Options {
	if o.AuditLog == "" {
		o.AuditLog = DefaultAuditLog
	}
	if o.Syslog == "" {
		o.Syslog = DefaultSyslog
	}
	if o.ReceiveBuffer <= 0 {
		o.ReceiveBuffer = DefaultReceiveBuffer
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	return o
}

// OpenSource opens the first source that works: the audit netlink
// multicast group, then the audit log, then syslog. It logs why a
// preferred source was passed over.
func OpenSource(ctx context.Context, log logr.Logger, opts Options) (Source, error) {
	opts = opts.withDefaults()
	nl, nlErr := openNetlink(log, opts.ReceiveBuffer)
	if nlErr == nil {
		return nl, nil
	}
	log.Info("Audit netlink source unavailable", "reason", nlErr.Error())
	errs := []error{nlErr}
	for _, path := range []string{opts.AuditLog, opts.Syslog} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, err := openFile(path, opts.PollInterval)
		if err == nil {
			return src, nil
		}
		log.Info("Audit file source unavailable", "path", path, "reason", err.Error())
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("no audit record source: %w", errors.Join(errs...))
}
