package siem

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// SyslogOptions say how to reach a syslog receiver and how messages name
// their origin. TLS nil means plain TCP. An empty AppName is "authgear", an
// empty Hostname this machine's name; Dialer nil is a net.Dialer.
type SyslogOptions struct {
	TLS      *tls.Config
	AppName  string
	Hostname string
	Dialer   func(ctx context.Context, network, addr string) (net.Conn, error)
}

// facilityAuthpriv is syslog's facility for security and authorization
// messages that hold private data (emails, IP addresses): receivers usually
// route it to a file only administrators can read.
const facilityAuthpriv = 10

// sdID names the structured data element; 32473 is the private enterprise
// number that RFC 5612 reserves for documentation.
const sdID = "authgear@32473"

// Syslog sends RFC 5424 messages over TCP or TLS, octet-counted (RFC 6587).
type Syslog struct {
	addr string
	o    SyslogOptions

	mu   sync.Mutex
	conn net.Conn // nil after a failure: the next Send dials again
	buf  []byte
}

// DialSyslog connects to addr (host:port) and returns a Syslog that sends
// there. Invalid options and a receiver that cannot be reached are errors.
func DialSyslog(ctx context.Context, addr string, o SyslogOptions) (*Syslog, error) {
	if o.AppName == "" {
		o.AppName = "authgear"
	}
	if err := checkHeaderField("app name", o.AppName, 48); err != nil {
		return nil, err
	}
	if o.Hostname == "" {
		o.Hostname = localHostname()
	}
	if err := checkHeaderField("hostname", o.Hostname, 255); err != nil {
		return nil, err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("syslog address %q: want host:port (%v)", addr, err)
	}
	if o.Dialer == nil {
		o.Dialer = (&net.Dialer{}).DialContext
	}
	if o.TLS != nil && o.TLS.ServerName == "" {
		host, _, _ := net.SplitHostPort(addr)
		o.TLS = o.TLS.Clone()
		o.TLS.ServerName = host
	}
	s := &Syslog{addr: addr, o: o}
	if err := s.dial(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// checkHeaderField checks a field of the message header: RFC 5424 allows
// 1 to max printable US-ASCII characters.
func checkHeaderField(what, v string, max int) error {
	if len(v) > max {
		return fmt.Errorf("syslog %s %q is longer than %d characters", what, v, max)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 33 || v[i] > 126 {
			return fmt.Errorf("syslog %s %q: only printable ASCII without spaces is allowed", what, v)
		}
	}
	return nil
}

func localHostname() string {
	h, err := os.Hostname()
	if err != nil || checkHeaderField("hostname", h, 255) != nil || h == "" {
		return "-"
	}
	return h
}

func (s *Syslog) dial(ctx context.Context) error {
	conn, err := s.o.Dialer(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("syslog: connect to %s: %w", s.addr, err)
	}
	if s.o.TLS != nil {
		tc := tls.Client(conn, s.o.TLS)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("syslog: TLS with %s: %w", s.addr, err)
		}
		conn = tc
	}
	s.conn = conn
	return nil
}

// Send writes events as one message each and returns once the last byte
// was handed to the connection. Syslog over TCP has no acknowledgement, so
// that is as far as delivery can be known. After an error the connection
// is dropped and the next Send dials again, so the caller can retry.
func (s *Syslog) Send(ctx context.Context, events []*auditlog.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	buf, err := s.encode(s.buf[:0], events)
	s.buf = buf
	if err != nil {
		return err
	}
	if s.conn != nil && !s.alive() {
		s.drop()
	}
	if s.conn == nil {
		if err := s.dial(ctx); err != nil {
			return err
		}
	}
	conn := s.conn
	dl, _ := ctx.Deadline() // zero without one: no deadline
	_ = conn.SetWriteDeadline(dl)
	// A cancelled ctx ends a write that the receiver does not read.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetWriteDeadline(time.Unix(1, 0)) })
	_, err = conn.Write(buf)
	stop()
	if err != nil && !dl.IsZero() && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(dl) {
		// The conn's deadline is ctx's, and its timer may fire before
		// ctx's own: ctx is done at once.
		<-ctx.Done()
	}
	if err != nil && ctx.Err() != nil {
		err = ctx.Err() // the deadline or the cancel, not the conn's timeout
	}
	if err != nil {
		s.drop()
		return fmt.Errorf("syslog: send to %s: %w", s.addr, err)
	}
	return nil
}

// alive reports whether the receiver still holds the connection open. A
// receiver that closed it (a restart, an idle timeout) would otherwise
// swallow the next batch: the write succeeds into the kernel's buffer and
// the reset comes after. Receivers send nothing, so any answer but a
// timeout means the connection is gone.
func (s *Syslog) alive() bool {
	_ = s.conn.SetReadDeadline(time.Now().Add(time.Millisecond))
	var b [1]byte
	_, err := s.conn.Read(b[:])
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (s *Syslog) drop() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// Close closes the connection.
func (s *Syslog) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// encode appends every event as an octet-counted frame: the length of the
// message in decimal, a space, the message.
func (s *Syslog) encode(dst []byte, events []*auditlog.Event) ([]byte, error) {
	var msg []byte
	for _, e := range events {
		var err error
		if msg, err = s.appendMessage(msg[:0], e); err != nil {
			return dst, err
		}
		dst = strconv.AppendInt(dst, int64(len(msg)), 10)
		dst = append(dst, ' ')
		dst = append(dst, msg...)
	}
	return dst, nil
}

// appendMessage appends one RFC 5424 message:
//
//	<PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [authgear@32473 ...] RECORD
func (s *Syslog) appendMessage(dst []byte, e *auditlog.Event) ([]byte, error) {
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(facilityAuthpriv*8+syslogSeverity(levelOf(e.ActivityType))), 10)
	dst = append(dst, ">1 "...)
	// RFC 5424 allows at most 6 digits of fractional seconds.
	dst = e.CreatedAt.UTC().AppendFormat(dst, "2006-01-02T15:04:05.999999Z07:00")
	dst = append(dst, ' ')
	dst = append(dst, s.o.Hostname...)
	dst = append(dst, ' ')
	dst = append(dst, s.o.AppName...)
	dst = append(dst, " - "...)
	dst = append(dst, msgID(e.ActivityType)...)
	dst = append(dst, " ["+sdID...)
	dst = appendParam(dst, "id", e.ID)
	dst = appendParam(dst, "activityType", e.ActivityType)
	dst = appendParam(dst, "userID", e.UserID)
	dst = appendParam(dst, "ipAddress", e.IPAddress)
	dst = appendParam(dst, "clientID", e.ClientID)
	dst = append(dst, "] "...)
	return output.AppendJSON(dst, e)
}

func syslogSeverity(l level) int {
	switch l {
	case levelWarning:
		return 4
	case levelNotice:
		return 5
	default:
		return 6
	}
}

// msgID is the activity's group (authentication, user, admin_api, ...):
// RFC 5424 limits MSGID to 32 characters, which more than half of the
// activity types exceed. The type itself is in the structured data.
func msgID(activityType string) string {
	if a, ok := auditlog.LookupActivity(activityType); ok {
		return a.Group
	}
	return "other"
}

// appendParam appends ` name="value"`, with `"`, `\` and `]` escaped as RFC
// 5424 6.3.3 asks, and nothing when value is empty.
func appendParam(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	value = validUTF8(value)
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, `="`...)
	for i := 0; i < len(value); i++ {
		switch c := value[i]; c {
		case '"', '\\', ']':
			dst = append(dst, '\\', c)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
