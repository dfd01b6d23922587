package deliver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/siem"
)

// SyslogSinkOptions configure a syslog sink.
type SyslogSinkOptions struct {
	Addr string // host:port
	// Syslog are siem's options; TLS set means syslog+tls.
	Syslog siem.SyslogOptions
	// Timeout bounds each batch's writing; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxRetries, Backoff, MaxBackoff and Retrying are as for HTTPOptions.
	MaxRetries          int
	Backoff, MaxBackoff time.Duration
	Retrying            func(err error, wait time.Duration)
}

// SyslogSink is a Sink that writes each batch to a syslog receiver
// (RFC 5424 over TCP or TLS), connecting when it first needs to and again
// after a dropped connection. Syslog has no acknowledgement: a batch
// counts as delivered once written to the connection.
type SyslogSink struct {
	o SyslogSinkOptions
	s *siem.Syslog
}

// NewSyslog returns a syslog sink; it connects at the first batch.
func NewSyslog(o SyslogSinkOptions) *SyslogSink {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	return &SyslogSink{o: o}
}

// Deliver writes events, again after each failure that may pass.
func (y *SyslogSink) Deliver(ctx context.Context, events []*auditlog.Event) error {
	r := retrier{max: y.o.MaxRetries, backoff: y.o.Backoff, maxBackoff: y.o.MaxBackoff, retrying: y.o.Retrying}
	err := r.do(ctx, func() (time.Duration, error) { return 0, y.send(ctx, events) })
	if err != nil && !isRefused(err) && ctx.Err() == nil {
		return fmt.Errorf("send %d events to syslog %s: %w", len(events), y.o.Addr, err)
	}
	return err
}

func (y *SyslogSink) send(ctx context.Context, events []*auditlog.Event) error {
	sctx, cancel := context.WithTimeout(ctx, y.o.Timeout)
	defer cancel()
	if y.s == nil {
		s, err := siem.DialSyslog(sctx, y.o.Addr, y.o.Syslog)
		if err != nil {
			return syslogError(err)
		}
		y.s = s
	}
	return syslogError(y.s.Send(sctx, events))
}

// syslogError is err as a *RefusedError when trying again cannot help: a
// certificate the receiver's name or roots do not match, options it
// refuses. Network failures and timeouts stay as they are, to be retried.
func syslogError(err error) error {
	if err == nil {
		return nil
	}
	var (
		op     *net.OpError
		verify *tls.CertificateVerificationError
		dns    *net.DNSError
	)
	switch {
	case errors.As(err, &verify):
		return &RefusedError{Msg: fmt.Sprintf("%v: give the receiver's CA with --to-ca-file", err)}
	case errors.As(err, &op), errors.As(err, &dns), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.Is(err, syscall.EPIPE):
		return err
	}
	return &RefusedError{Msg: err.Error()}
}

// Close closes the connection.
func (y *SyslogSink) Close() error {
	if y.s == nil {
		return nil
	}
	return y.s.Close()
}
