//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris)

package cli

// readerGone cannot tell without poll(2): a follow there learns that its
// reader has gone at its next write.
func readerGone(rawConn) (gone, supported bool) { return false, false }
