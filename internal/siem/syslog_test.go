package siem

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

func TestSyslogMessage(t *testing.T) {
	s := &Syslog{o: SyslogOptions{AppName: "authgear", Hostname: "relay.example.com"}}
	evs := fixtures()
	tests := []struct {
		e      *auditlog.Event
		header string
	}{
		{evs[0], `<86>1 2026-11-25T10:00:00Z relay.example.com authgear - user [authgear@32473 id="0000000000130d3f" activityType="USER_AUTHENTICATED" userID="6d1b0c1e-2f4a-4d3b-8e55-0a9b8c7d6e5f" ipAddress="203.0.113.7" clientID="portal"] `},
		{evs[1], `<84>1 2026-11-25T10:00:01.5Z relay.example.com authgear - authentication [authgear@32473 id="0000000000130d40" activityType="AUTHENTICATION_PRIMARY_PASSWORD_FAILED" userID="u-2" ipAddress="2001:db8::4"] `},
		{evs[2], `<85>1 2026-11-25T10:00:02Z relay.example.com authgear - admin_api [authgear@32473 id="0000000000130d41" activityType="ADMIN_API_MUTATION_DELETE_USER_EXECUTED"] `},
		{&auditlog.Event{ID: "x", CreatedAt: t0.Add(time.Nanosecond * 123456789), ActivityType: "SOMETHING_NEW", Data: json.RawMessage(`{}`)},
			`<86>1 2026-11-25T10:00:00.123456Z relay.example.com authgear - other [authgear@32473 id="x" activityType="SOMETHING_NEW"] `},
	}
	for _, tt := range tests {
		msg, err := s.appendMessage(nil, tt.e)
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := output.AppendJSON(nil, tt.e)
		if want := tt.header + string(rec); string(msg) != want {
			t.Errorf("message\n got %s\nwant %s", msg, want)
		}
	}
}

func TestSyslogParamEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", ` k="plain"`},
		{`a"b`, ` k="a\"b"`},
		{`a\b`, ` k="a\\b"`},
		{`a]b`, ` k="a\]b"`},
		{`[x="y"]\`, ` k="[x=\"y\"\]\\"`},
		{"日本語", ` k="日本語"`},
		{"bad\xff\xfeutf8", ` k="bad` + "\uFFFD\uFFFD" + `utf8"`},
		{"", ``},
	}
	for _, tt := range tests {
		if got := string(appendParam(nil, "k", tt.in)); got != tt.want {
			t.Errorf("appendParam(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDialSyslogRefusesBadOptions(t *testing.T) {
	never := func(context.Context, string, string) (net.Conn, error) {
		t.Error("dialed despite bad options")
		return nil, errors.New("no")
	}
	tests := []struct {
		addr    string
		o       SyslogOptions
		wantErr string
	}{
		{"127.0.0.1:514", SyslogOptions{AppName: "auth gear"}, "app name"},
		{"127.0.0.1:514", SyslogOptions{AppName: strings.Repeat("a", 49)}, "longer than 48"},
		{"127.0.0.1:514", SyslogOptions{Hostname: "h\x1b[31m"}, `"h\x1b[31m": only printable ASCII`},
		{"127.0.0.1:514", SyslogOptions{Hostname: strings.Repeat("h", 256)}, "longer than 255"},
		{"127.0.0.1", SyslogOptions{}, "want host:port"},
	}
	for _, tt := range tests {
		tt.o.Dialer = never
		_, err := DialSyslog(context.Background(), tt.addr, tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("DialSyslog(%q, %+v) = %v, want %q", tt.addr, tt.o, err, tt.wantErr)
		}
	}
}

func TestDialSyslogUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = DialSyslog(context.Background(), addr, SyslogOptions{})
	if err == nil || !strings.Contains(err.Error(), "connect to "+addr) {
		t.Errorf("DialSyslog to a closed port = %v", err)
	}
}

// frameReceiver reads octet-counted frames (RFC 6587 3.4.1) from every
// connection and checks that each holds an RFC 5424 header.
type frameReceiver struct {
	t  *testing.T
	ln net.Listener

	mu     sync.Mutex
	frames []frame
	conns  []net.Conn
	wg     sync.WaitGroup
	// closeAfter, when set, makes the receiver close a connection after
	// that many frames, as a receiver that restarts does.
	closeAfter int
	// noRead makes the receiver accept connections and read nothing.
	noRead bool
}

type frame struct {
	conn int
	msg  string
}

func newFrameReceiver(t *testing.T, configure func(*frameReceiver)) *frameReceiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &frameReceiver{t: t, ln: ln}
	if configure != nil {
		configure(r)
	}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.close)
	return r
}

func (r *frameReceiver) accept() {
	defer r.wg.Done()
	for n := 0; ; n++ {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		r.mu.Lock()
		r.conns = append(r.conns, c)
		r.mu.Unlock()
		if r.noRead {
			_ = c.(*net.TCPConn).SetReadBuffer(16 << 10)
			continue
		}
		r.wg.Add(1)
		go r.read(n, c)
	}
}

func (r *frameReceiver) read(n int, c net.Conn) {
	defer r.wg.Done()
	defer c.Close()
	br := bufio.NewReader(c)
	for count := 0; r.closeAfter == 0 || count < r.closeAfter; count++ {
		lenText, err := br.ReadString(' ')
		if (err == io.EOF || errors.Is(err, net.ErrClosed)) && lenText == "" {
			// The sender closed, or the test's cleanup closed the
			// connection between frames.
			return
		}
		size, perr := strconv.Atoi(strings.TrimSuffix(lenText, " "))
		if err != nil || perr != nil || size <= 0 {
			r.t.Errorf("connection %d: bad frame length %q (%v)", n, lenText, err)
			return
		}
		msg := make([]byte, size)
		if _, err := io.ReadFull(br, msg); err != nil {
			r.t.Errorf("connection %d: frame of %d bytes: %v", n, size, err)
			return
		}
		if !strings.HasPrefix(string(msg), "<") || !strings.Contains(string(msg), ">1 ") {
			r.t.Errorf("connection %d: not an RFC 5424 message: %.80q", n, msg)
		}
		r.mu.Lock()
		r.frames = append(r.frames, frame{n, string(msg)})
		r.mu.Unlock()
	}
}

func (r *frameReceiver) close() {
	r.ln.Close()
	r.mu.Lock()
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// waitFrames waits until the receiver holds n frames and returns them; the
// wait is bounded so that a lost message fails the test instead of hanging.
func (r *frameReceiver) waitFrames(n int) []frame {
	r.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		r.mu.Lock()
		got := append([]frame(nil), r.frames...)
		r.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				r.t.Fatalf("receiver holds %d frames, want %d", len(got), n)
			}
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSyslogFraming(t *testing.T) {
	r := newFrameReceiver(t, nil)
	s, err := DialSyslog(context.Background(), r.ln.Addr().String(), SyslogOptions{Hostname: "relay"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := fixtures()
	if err := s.Send(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), evs[:1]); err != nil {
		t.Fatal(err)
	}
	got := r.waitFrames(len(evs) + 1)
	for i, f := range got {
		want, _ := s.appendMessage(nil, evs[i%len(evs)])
		if f.msg != string(want) || f.conn != 0 {
			t.Errorf("frame %d on connection %d:\n got %s\nwant %s on connection 0", i, f.conn, f.msg, want)
		}
	}
}

// A receiver that closed the connection between batches (a restart) gets
// the next batch on a new connection, whole.
func TestSyslogRedialsAfterReceiverClosed(t *testing.T) {
	r := newFrameReceiver(t, func(r *frameReceiver) { r.closeAfter = 3 })
	s, err := DialSyslog(context.Background(), r.ln.Addr().String(), SyslogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := fixtures()
	for batch := 0; batch < 3; batch++ {
		if err := s.Send(context.Background(), evs); err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		got := r.waitFrames(3 * (batch + 1))
		// The receiver closes after each batch; let the close arrive.
		for f := range got[3*batch:] {
			if got[3*batch+f].conn != batch {
				t.Errorf("batch %d frame %d on connection %d", batch, f, got[3*batch+f].conn)
			}
		}
		r.mu.Lock()
		c := r.conns[batch]
		r.mu.Unlock()
		waitClosedByPeer(t, c)
	}
}

// waitClosedByPeer waits until the receiver's side of c is closed.
func waitClosedByPeer(t *testing.T, c net.Conn) {
	t.Helper()
	var b [1]byte
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(b[:]); err == nil {
		t.Fatal("the receiver's connection is still open")
	}
}

// After a failed Send the next one dials again: the caller retries by
// calling Send with the same batch.
func TestSyslogSendFailsThenRetries(t *testing.T) {
	r := newFrameReceiver(t, func(r *frameReceiver) { r.closeAfter = 3 })
	var refuse atomic.Bool
	var dials atomic.Int32
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		if refuse.Load() {
			return nil, errors.New("connection refused")
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	s, err := DialSyslog(context.Background(), r.ln.Addr().String(), SyslogOptions{Dialer: dialer})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs := fixtures()
	if err := s.Send(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	r.waitFrames(3)
	r.mu.Lock()
	c := r.conns[0]
	r.mu.Unlock()
	waitClosedByPeer(t, c)

	refuse.Store(true)
	err = s.Send(context.Background(), evs)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Send with the receiver down = %v, want the dial's error", err)
	}
	refuse.Store(false)
	if err := s.Send(context.Background(), evs); err != nil {
		t.Fatalf("retry: %v", err)
	}
	got := r.waitFrames(6)
	if got[5].conn != 1 || dials.Load() != 3 {
		t.Errorf("retry went to connection %d after %d dials, want connection 1 after 3", got[5].conn, dials.Load())
	}
}

// A receiver that stops reading cannot hold Send past its context.
func TestSyslogSendHonoursContext(t *testing.T) {
	r := newFrameReceiver(t, func(r *frameReceiver) { r.noRead = true })
	// Small socket buffers on both sides, so that a few megabytes fill them.
	dialer := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetWriteBuffer(16 << 10)
		}
		return c, err
	}
	s, err := DialSyslog(context.Background(), r.ln.Addr().String(), SyslogOptions{Dialer: dialer})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	big := &auditlog.Event{ID: "big", CreatedAt: t0, ActivityType: "USER_CREATED", Data: json.RawMessage(`{"pad":"` + strings.Repeat("x", 1<<20) + `"}`)}
	batch := make([]*auditlog.Event, 8)
	for i := range batch {
		batch[i] = big
	}
	for _, tt := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"cancelled before", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
	} {
		ctx, cancel := tt.ctx()
		err := s.Send(ctx, batch)
		cancel()
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Send = %v, want %v", tt.name, err, tt.want)
		}
	}
}
