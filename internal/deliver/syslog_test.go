package deliver

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syslogReceiver reads octet-counted RFC 5424 frames (RFC 6587) and keeps
// the messages; the first connection is closed after its first frame,
// as a receiver that restarts would.
type syslogReceiver struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []string
	wg   sync.WaitGroup
}

func newSyslogReceiver(t *testing.T) *syslogReceiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &syslogReceiver{ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					size, err := br.ReadString(' ')
					if err != nil {
						return
					}
					k, err := strconv.Atoi(strings.TrimSpace(size))
					if err != nil {
						return
					}
					buf := make([]byte, k)
					if _, err := io.ReadFull(br, buf); err != nil {
						return
					}
					r.mu.Lock()
					r.msgs = append(r.msgs, string(buf))
					r.mu.Unlock()
					if n == 0 {
						return // drop the first connection
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); r.wg.Wait() })
	return r
}

func (r *syslogReceiver) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// TestSyslogSink: batches reach the receiver as RFC 5424 messages; after
// the receiver drops the connection, the next batch connects again.
func TestSyslogSink(t *testing.T) {
	r := newSyslogReceiver(t)
	var retries int
	y := NewSyslog(SyslogSinkOptions{Addr: r.ln.Addr().String(), Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Retrying: func(error, time.Duration) { retries++ }})
	defer y.Close()
	if err := y.Deliver(t.Context(), batch[:1]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(r.messages()) < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the receiver closes its end
	if err := y.Deliver(t.Context(), batch[1:]); err != nil {
		t.Fatal(err)
	}
	for len(r.messages()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	msgs := r.messages()
	if len(msgs) != 3 {
		t.Fatalf("the receiver got %d messages, want 3: %q", len(msgs), msgs)
	}
	for i, m := range msgs {
		if !strings.HasPrefix(m, "<") || !strings.Contains(m, batch[i].ID) {
			t.Errorf("message %d %q is not RFC 5424 for %s", i, m, batch[i].ID)
		}
	}
}

// TestSyslogSinkUnreachable: a receiver that cannot be reached is tried
// again until the retries run out.
func TestSyslogSinkUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	retries := 0
	y := NewSyslog(SyslogSinkOptions{Addr: addr, MaxRetries: 2, Backoff: time.Millisecond, MaxBackoff: time.Millisecond,
		Retrying: func(error, time.Duration) { retries++ }})
	err = y.Deliver(t.Context(), batch)
	if err == nil || retries != 2 || !strings.Contains(err.Error(), "gave up after 2 retries") {
		t.Errorf("Deliver = %v after %d retries, want a give-up after 2", err, retries)
	}
}
