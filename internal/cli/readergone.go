package cli

import (
	"context"
	"io"
	"os"
	"syscall"
	"time"
)

// readerCheckInterval is how often a follow checks that its reader is
// still there: `tail | head -1` ends within about this long after head
// has gone, even while no new event arrives to be written.
const readerCheckInterval = time.Second

// watchReader calls gone, once, when nothing reads out any more: out is a
// pipe or a socket whose reading end was closed. A follow that has nothing
// to write would otherwise only learn it at its next write, which may
// never come. Terminals, files and other writers are not watched. The
// watch ends with ctx.
func watchReader(ctx context.Context, out io.Writer, gone func()) {
	f, ok := out.(*os.File)
	if !ok {
		return
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	if _, supported := readerGone(rc); !supported {
		return
	}
	go func() {
		t := time.NewTicker(readerCheckInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if g, _ := readerGone(rc); g {
				gone()
				return
			}
		}
	}()
}

// rawConn is the part of syscall.RawConn that readerGone needs.
type rawConn interface {
	Control(func(fd uintptr)) error
}

var _ rawConn = syscall.RawConn(nil)
