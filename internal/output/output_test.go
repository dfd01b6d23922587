package output

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

func TestFormatFromPath(t *testing.T) {
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"out.jsonl", FormatJSONL, true},
		{"dir.d/OUT.NDJSON", FormatJSONL, true},
		{"x.jsonl.gz", FormatJSONL, true},
		{"x.json", FormatJSON, true},
		{"x.json.GZ", FormatJSON, true},
		{"x.csv", FormatCSV, true},
		{"x.csv.gz", FormatCSV, true},
		{"x.gz", "", false},
		{"x.txt", "", false},
		{"csv", "", false},
		{"-", "", false},
		{"x.csv.bak", "", false},
	}
	for _, tt := range tests {
		got, ok := FormatFromPath(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FormatFromPath(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestIsBrokenPipe(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{syscall.EPIPE, true},
		{&fs.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}, true},
		{fmt.Errorf("write output: %w", &os.SyscallError{Syscall: "write", Err: syscall.EPIPE}), true},
		{syscall.ENOSPC, false},
		{errors.New("broken pipe"), false},
	}
	for _, tt := range tests {
		if got := IsBrokenPipe(tt.err); got != tt.want {
			t.Errorf("IsBrokenPipe(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestNewRefusesUnknownFormat(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, Options{Format: "yaml"}); err == nil {
		t.Fatal("want an error")
	}
}

// failWriter fails every write with err.
type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriteErrorsAreReturned(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			w, err := New(failWriter{syscall.EPIPE}, Options{Format: format, FlushEach: true})
			if err != nil {
				t.Fatal(err)
			}
			err = w.Write(fixtures()[0])
			if err == nil {
				err = w.Close()
			}
			if !IsBrokenPipe(err) {
				t.Fatalf("got %v, want EPIPE", err)
			}
			if err2 := w.Close(); !IsBrokenPipe(err2) {
				t.Errorf("Close after the failure: %v, want the same error", err2)
			}
		})
	}
}

func TestFlushEach(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			for _, flush := range []bool{false, true} {
				var b bytes.Buffer
				w, err := New(&b, Options{Format: format, FlushEach: flush, UTC: true})
				if err != nil {
					t.Fatal(err)
				}
				e := fixtures()[0]
				if err := w.Write(e); err != nil {
					t.Fatal(err)
				}
				if got := bytes.Contains(b.Bytes(), []byte("USER_AUTHENTICATED")); got != flush {
					t.Errorf("FlushEach=%v: event written through at once = %v", flush, got)
				}
				w.Close()
				if !bytes.Contains(b.Bytes(), []byte("USER_AUTHENTICATED")) {
					t.Error("event missing after Close")
				}
			}
		})
	}
}
