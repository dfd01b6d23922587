package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The committed sample must be exactly what this program writes.
func TestSampleIsUpToDate(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sample.jsonl")
	if err := write(out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../../../examples/sample-export.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("examples/sample-export.jsonl is stale: run go generate ./internal/adminapitest")
	}
	if len(got) > 4<<20 {
		t.Errorf("sample is %d bytes, keep it under 4 MiB", len(got))
	}
}
