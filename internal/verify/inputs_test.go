package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/readback"
)

// Several files, or standard input, are checked as one export: against the
// API's counts of their range, in one order, each ID once in all of them.
func TestVerifyInputs(t *testing.T) {
	srv, c := newVerifyServer(t)
	dir, m := writeDir(t, srv, false)
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, filepath.Join(dir, f.Name))
	}
	o := Options{Counter: c, Range: incremental.Range{From: vStart, To: vEnd}}

	rep, err := Inputs(context.Background(), "three files", readback.Files(paths...), o)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Files != 3 || rep.Compared != "API" || rep.Events != int64(len(srv.Events())) {
		t.Errorf("three files: ok %v, %d files, %d events, compared %q: %v", rep.OK(), rep.Files, rep.Events, rep.Compared, rep.Kinds())
	}

	// The first two days only: a day short against the API's counts.
	rep, err = Inputs(context.Background(), "two files", readback.Files(paths[:2]...), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || kindCount(t, rep, KindAPI) == 0 {
		t.Errorf("two of three days: ok %v, problems %v", rep.OK(), rep.Kinds())
	}

	// A file given twice: its events are duplicates, and out of order.
	rep, err = Inputs(context.Background(), "twice", readback.Files(paths[1], paths[1]), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if kindCount(t, rep, KindOrder) == 0 && kindCount(t, rep, KindDuplicate) == 0 {
		t.Errorf("a file twice: problems %v", rep.Kinds())
	}

	// Standard input, offline.
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	ins, err := readback.Expand([]string{"-"}, strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	rep, err = Inputs(context.Background(), "stdin", ins, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if _, err := rep.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Events == 0 || !strings.HasPrefix(b.String(), "stdin: 1 file, ") {
		t.Errorf("stdin: %s", b.String())
	}
}
