package export

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/verify"
)

// The archives of the earlier format that runs continue, written as
// internal/verify's tests write them, and verify's reports.

var (
	vStart = ts("2026-11-01T00:00:00Z")
	vEnd   = ts("2026-11-04T00:00:00Z")
)

// newVerifyServer is a stand-in holding three days of events with a burst,
// and a real client for it.
func newVerifyServer(t *testing.T) (*adminapitest.Server, *adminapi.Client) {
	t.Helper()
	events, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 7, Count: 300, Start: vStart, End: vEnd, Bursts: 1, BurstSize: 120})
	srv := adminapitest.New(t, adminapitest.WithEvents(events, users))
	c, err := adminapi.New(adminapi.Options{Endpoint: srv.Endpoint(), ProjectID: srv.ProjectID(), KeyID: srv.KeyID(), KeyFile: srv.KeyFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// writeDir writes the server's events as an --out-dir of one file per day,
// the way export does.
func writeDir(t *testing.T, srv *adminapitest.Server, gz bool) (string, *incremental.Manifest) {
	t.Helper()
	var ranges []incremental.Range
	for from := vStart; from.Before(vEnd); from = from.Add(24 * time.Hour) {
		ranges = append(ranges, incremental.Range{From: from, To: from.Add(24 * time.Hour)})
	}
	return writeRanges(t, srv, ranges, codec.Ext("jsonl", gz))
}

// writeRanges writes the server's events of each range to a file of its
// own, named by the range, and lists them in a manifest.
func writeRanges(t *testing.T, srv *adminapitest.Server, ranges []incremental.Range, ext string) (string, *incremental.Manifest) {
	t.Helper()
	dir := t.TempDir()
	m := &incremental.Manifest{Project: srv.ProjectID()}
	for _, r := range ranges {
		df, err := CreateDataFile(filepath.Join(dir, incremental.FileName(r, ext)), 0, output.Options{Format: "jsonl"}, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range srv.Select(adminapi.Selection{From: r.From, To: r.To}) {
			rec := e.Record()
			if err := df.Write(&rec); err != nil {
				t.Fatal(err)
			}
		}
		f, err := df.Commit()
		if err != nil {
			t.Fatal(err)
		}
		f.From, f.To, f.CreatedAt = r.From, r.To, vEnd
		m.Put(f)
	}
	if err := m.Save(dir, 0); err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// reportText is the report as verify prints it.
func reportText(r *verify.Report) string {
	var b strings.Builder
	r.WriteTo(&b)
	return b.String()
}

// kindCount is the number of problems of one kind, as the report prints
// it.
func kindCount(t *testing.T, r *verify.Report, kind string) int {
	t.Helper()
	n, _ := kindProblems(t, r, kind)
	return n
}

// kindListed are the problems of one kind that the report lists.
func kindListed(t *testing.T, r *verify.Report, kind string) []string {
	t.Helper()
	_, listed := kindProblems(t, r, kind)
	return listed
}

// kindProblems reads the problems of one kind from the report as verify
// prints it: the number in the kind's heading and the lines below it.
func kindProblems(t *testing.T, r *verify.Report, kind string) (int, []string) {
	t.Helper()
	_, failed, ok := strings.Cut(reportText(r), "\nFAILED: ")
	if !ok {
		return 0, nil
	}
	n, in := 0, false
	var listed []string
	for _, l := range strings.Split(failed, "\n") {
		switch {
		case strings.HasPrefix(l, kind+" (") && strings.HasSuffix(l, "):"):
			c, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(l, kind+" ("), "):"))
			if err != nil {
				t.Fatalf("report heading %q: %v", l, err)
			}
			n, in = c, true
		case in && strings.HasPrefix(l, "  ... and "):
		case in && strings.HasPrefix(l, "  "):
			listed = append(listed, l[2:])
		default:
			in = false
		}
	}
	return n, listed
}

// unreferenced reads the objects that no entry names from the report as
// verify prints it: the number in its note and the keys below it.
func unreferenced(t *testing.T, r *verify.Report) (int, []string) {
	t.Helper()
	_, note, ok := strings.Cut(reportText(r), "\nnote: ")
	if !ok {
		return 0, nil
	}
	lines := strings.Split(note, "\n")
	num, _, _ := strings.Cut(lines[0], " ")
	n, err := strconv.Atoi(strings.ReplaceAll(num, ",", ""))
	if err != nil {
		t.Fatalf("report note %q: %v", lines[0], err)
	}
	var keys []string
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "  ... and ") {
			break
		}
		keys = append(keys, l[2:])
	}
	return n, keys
}
