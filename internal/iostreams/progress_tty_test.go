//go:build linux

package iostreams

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fatih/color"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal and returns its two sides: what is
// written to tty is read from master.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Skipf("unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Skipf("pseudo-terminal number: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("open pseudo-terminal: %v", err)
	}
	return master, tty
}

// sgr is a colour sequence: ESC [ parameters m.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// The spinner on a real terminal writes no colour, with --no-color,
// NO_COLOR or neither (it has no colour to show), but still erases its
// line; with TERM=dumb there is no spinner at all.
func TestProgressNoColorOnTerminal(t *testing.T) {
	// The colour library decides once, from the process's stdout, which
	// under go test is no terminal; make it decide as on a terminal.
	was := color.NoColor
	color.NoColor = false
	t.Cleanup(func() { color.NoColor = was })

	tests := []struct {
		name    string
		env     map[string]string
		noColor bool
	}{
		{"--no-color", nil, true},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, false},
		{"default", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			master, tty := openPTY(t)
			defer master.Close()
			// What the terminal shows, read by a goroutine of its own; seen
			// is set once the progress line has been drawn.
			var (
				got  bytes.Buffer
				seen atomic.Bool
			)
			done := make(chan struct{})
			go func() {
				defer close(done)
				buf := make([]byte, 4096)
				for {
					n, err := master.Read(buf)
					got.Write(buf[:n])
					if strings.Contains(got.String(), "exporting 1,234 events") {
						seen.Store(true)
					}
					if err != nil {
						return
					}
				}
			}()
			ios, _, _ := Test(func(k string) string { return tt.env[k] })
			ios.ErrTTY = true
			ios.ErrFile = tty
			ios.SetNoColor(tt.noColor)
			p := ios.StartProgress("exporting", time.Now)
			if p == nil {
				t.Fatal("no spinner on a terminal")
			}
			p.Update(Counts{Events: 1234, Total: -1})
			deadline := time.Now().Add(30 * time.Second)
			for !seen.Load() && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			p.Stop()
			tty.Close()
			master.Close()
			<-done
			out := got.Bytes()
			if !strings.Contains(string(out), "exporting 1,234 events") {
				t.Fatalf("the spinner drew %q", out)
			}
			if m := sgr.Find(out); m != nil {
				t.Errorf("colour sequence %q in %q", m, out)
			}
			if !strings.Contains(string(out), "\r\x1b[K") {
				t.Errorf("the line is not erased: %q", out)
			}
		})
	}

	t.Run("TERM=dumb", func(t *testing.T) {
		master, tty := openPTY(t)
		defer master.Close()
		defer tty.Close()
		ios, _, _ := Test(func(k string) string { return map[string]string{"TERM": "dumb"}[k] })
		ios.ErrTTY = true
		ios.ErrFile = tty
		ios.OutTTY = true
		if p := ios.StartProgress("exporting", time.Now); p != nil {
			p.Stop()
			t.Error("a spinner with TERM=dumb")
		}
		if ios.ColorEnabled() {
			t.Error("colour with TERM=dumb")
		}
	})
}
