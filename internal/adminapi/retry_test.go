package adminapi

import (
	"strings"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{"Wed, 25 Nov 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Wed, 25 Nov 2026 09:59:00 GMT", 0, true},
		{"Wednesday, 25-Nov-26 10:01:00 GMT", time.Minute, true},
		{"99999999999", 24 * time.Hour, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFullJitter(t *testing.T) {
	base, limit := 250*time.Millisecond, 30*time.Second
	maxOf := func(n int64) int64 { return n - 1 }
	zero := func(int64) int64 { return 0 }
	wantCeil := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, want := range wantCeil {
		attempt := i + 1
		if got := fullJitter(attempt, base, limit, maxOf); got != want {
			t.Errorf("attempt %d: ceiling %v, want %v", attempt, got, want)
		}
		if got := fullJitter(attempt, base, limit, zero); got != 0 {
			t.Errorf("attempt %d: floor %v, want 0", attempt, got)
		}
	}
	// Huge attempt numbers must not overflow into negative waits.
	for _, attempt := range []int{40, 62, 63, 64, 1000} {
		if got := fullJitter(attempt, base, limit, maxOf); got != limit {
			t.Errorf("attempt %d: %v, want the cap %v", attempt, got, limit)
		}
	}
}

func TestBackoffHonoursRetryAfter(t *testing.T) {
	c := &Client{opts: Options{RetryBase: time.Millisecond, RetryCap: 2 * time.Millisecond, RetryAfterCap: 2 * time.Minute}}
	if got := c.backoff(1, 7*time.Second); got != 7*time.Second {
		t.Fatalf("backoff with Retry-After 7s = %v", got)
	}
	if got := c.backoff(1, time.Hour); got != 2*time.Minute {
		t.Fatalf("backoff with Retry-After 1h = %v, want the 2m cap", got)
	}
	for range 100 {
		if got := c.backoff(5, 0); got < 0 || got > 2*time.Millisecond {
			t.Fatalf("backoff without Retry-After = %v, want within [0, 2ms]", got)
		}
	}
}

func TestClockSkew(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct{ date, want string }{
		{"", ""},
		{"garbage", ""},
		{"Wed, 25 Nov 2026 10:03:00 GMT", ""},
		{"Wed, 25 Nov 2026 10:07:12 GMT", "7m12s"},
		{"Wed, 25 Nov 2026 09:50:00 GMT", "10m0s"},
	}
	for _, tt := range tests {
		if got := clockSkew(tt.date, now); got != tt.want {
			t.Errorf("clockSkew(%q) = %q, want %q", tt.date, got, tt.want)
		}
	}
	err := &CredentialsError{ClockSkew: "7m12s"}
	if want := "the local clock differs from the server's by 7m12s"; !strings.Contains(err.Error(), want) {
		t.Fatalf("%q lacks %q", err, want)
	}
}

func TestTransientMessage(t *testing.T) {
	for msg, want := range map[string]bool{
		"invalid user IDs":                    false,
		"Cannot query field \"x\"":            false,
		"database timeout":                    true,
		"service temporarily unavailable":     true,
		"context deadline exceeded":           true,
		"upstream request timed out":          true,
		"invalid cursor: offset out of range": false,
	} {
		if got := transientMessage(msg); got != want {
			t.Errorf("transientMessage(%q) = %v, want %v", msg, got, want)
		}
	}
}
