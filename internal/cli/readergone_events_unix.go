//go:build aix || darwin || dragonfly || freebsd || netbsd || openbsd || solaris

package cli

import "golang.org/x/sys/unix"

// pollEvents are the events readerGone asks for: POLLRDBAND, as GNU tail
// does, because some systems (macOS, illumos) report nothing for an empty
// set of events.
const pollEvents = unix.POLLRDBAND
