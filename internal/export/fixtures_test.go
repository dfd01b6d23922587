package export

import (
	"path/filepath"
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
