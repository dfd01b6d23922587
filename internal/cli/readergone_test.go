//go:build linux || darwin

package cli

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// `tail | head -1`: when the reader of stdout has gone, tail ends with 0
// even though no new event arrives to fail on the closed pipe.
func TestTailEndsWhenReaderGoes(t *testing.T) {
	s := adminapitest.New(t)
	for _, args := range [][]string{
		{"tail", "-n", "0", "--interval", "1h"},
		{"search", "--follow", "--limit", "0", "--interval", "1h"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			t.Parallel()
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			r.Close() // head -1 has read its line and gone
			app, _, errb := newAPITestApp(t, nil)
			app.IO.Out = w
			done := make(chan int, 1)
			go func() { done <- runApp(t, app, append(connArgs(t, s), args...)...) }()
			select {
			case code := <-done:
				if code != ExitOK {
					t.Errorf("exit %d, want 0: %s", code, errb)
				}
			case <-time.After(time.Minute):
				t.Fatal("still following a minute after its reader went")
			}
		})
	}
}

// Writers that are no pipe are not watched, and a pipe that is still read
// is not taken for gone.
func TestWatchReader(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	rc, err := w.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if gone, ok := readerGone(rc); !ok || gone {
		t.Errorf("readerGone of a pipe that is read = %v, %v", gone, ok)
	}
	r.Close()
	if gone, _ := readerGone(rc); !gone {
		t.Errorf("readerGone of a pipe whose reader closed = false")
	}
	f, err := os.Create(t.TempDir() + "/file")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	called := false
	watchReader(t.Context(), f, func() { called = true })
	watchReader(t.Context(), &strings.Builder{}, func() { called = true })
	if called {
		t.Error("gone called for a file or a buffer")
	}
}
