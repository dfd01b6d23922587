//go:build linux || darwin

package safefile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// onlyEntry checks that dir holds nothing but name: no temporary file, no
// replacement beside it.
func onlyEntry(t *testing.T, dir, name string) {
	t.Helper()
	if names := entries(t, dir); len(names) != 1 || names[0] != name {
		t.Errorf("directory holds %q, want only %s", names, name)
	}
}

// A FIFO is written straight through: the reader gets the data, and the
// FIFO stays a FIFO.
func TestFIFOWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.jsonl")
	if err := syscall.Mkfifo(fifo, 0o640); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// The reader opens first, without waiting for a writer; the data is
	// small enough for the pipe's buffer, so the write never blocks.
	fd, err := syscall.Open(fifo, syscall.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		t.Fatal(err)
	}
	r := os.NewFile(uintptr(fd), fifo)
	defer r.Close()
	if through, err := Check(fifo); err != nil || !through {
		t.Fatalf("Check = %v, %v; want through", through, err)
	}
	f, err := Create(fifo, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.TempName() != "" {
		t.Errorf("a temporary file %s for a FIFO", f.TempName())
	}
	if _, err := f.Write([]byte("line\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r); string(b) != "line\n" {
		t.Errorf("reader got %q", b)
	}
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 || fi.Mode().Perm() != 0o640 {
		t.Errorf("after the write: %v, %v; want the FIFO with mode 0640", fi.Mode(), err)
	}
	onlyEntry(t, dir, "pipe.jsonl")
}

// A character device is written straight through and keeps its mode: the
// null device made here stands for /dev/null. Making one needs root.
func TestDeviceWrittenThrough(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mknod needs root")
	}
	dir := t.TempDir()
	dev := filepath.Join(dir, "null")
	// Major 1, minor 3 is the null device on Linux; 3, 2 on macOS.
	nullDev := 1<<8 | 3
	if _, err := os.Stat("/dev/null"); err == nil {
		var st syscall.Stat_t
		if err := syscall.Stat("/dev/null", &st); err == nil {
			nullDev = int(st.Rdev)
		}
	}
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, nullDev); err != nil {
		t.Skipf("mknod: %v", err)
	}
	if err := os.Chmod(dev, 0o666); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"null", "null.jsonl.gz"} {
		p := dev
		if i == 1 {
			// Through a link, compressed.
			p = filepath.Join(dir, name)
			if err := os.Symlink("null", p); err != nil {
				t.Fatal(err)
			}
		}
		f, err := Create(p, 0)
		if err != nil {
			t.Fatal(err)
		}
		if f.TempName() != "" {
			t.Errorf("a temporary file %s for a device", f.TempName())
		}
		fmt.Fprintf(f, "data %d\n", i)
		if err := f.Commit(); err != nil {
			t.Fatalf("commit %s: %v", p, err)
		}
		fi, err := os.Lstat(dev)
		if err != nil || fi.Mode()&os.ModeCharDevice == 0 || fi.Mode().Perm() != 0o666 {
			t.Fatalf("after writing %s: %v, %v; want the device with mode 0666", p, fi.Mode(), err)
		}
	}
	if names := entries(t, dir); len(names) != 2 {
		t.Errorf("directory holds %q", names)
	}
}

// A name for an open descriptor (here /dev/fd/N of a pipe, as /dev/stdout
// would be) is written through to whatever it leads to.
func TestDescriptorWrittenThrough(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	name := fmt.Sprintf("/dev/fd/%d", w.Fd())
	if _, err := os.Stat(name); err != nil {
		w.Close()
		t.Skipf("no /dev/fd: %v", err)
	}
	f, err := Create(name, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("through\n"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if b, _ := io.ReadAll(r); string(b) != "through\n" {
		t.Errorf("read %q", b)
	}
	for _, p := range []string{"/dev/null", "/dev/stdout"} {
		if through, err := Check(p); err != nil || !through {
			t.Errorf("Check(%s) = %v, %v; want through", p, through, err)
		}
	}
}
