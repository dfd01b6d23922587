//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package cli

import "golang.org/x/sys/unix"

// readerGone polls the descriptor without waiting, as GNU tail -f does with
// its stdout: a pipe whose reading end is closed reports an error or a
// hang-up (pollEvents: see readergone_events_*.go).
func readerGone(rc rawConn) (gone, supported bool) {
	err := rc.Control(func(fd uintptr) {
		fds := []unix.PollFd{{Fd: int32(fd), Events: pollEvents}}
		if n, err := unix.Poll(fds, 0); err == nil && n > 0 {
			gone = fds[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0
		}
	})
	return gone, err == nil
}
