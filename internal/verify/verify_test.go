package verify

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/export"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/readback"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

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
		df, err := export.CreateDataFile(filepath.Join(dir, incremental.FileName(r, ext)), 0, output.Options{Format: "jsonl"}, true)
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

// editLines rewrites a data file's lines (through gzip when it is one).
func editLines(t *testing.T, path string, edit func([]string) []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := strings.HasSuffix(path, ".gz")
	if gz {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.SplitAfter(string(raw), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	out := []byte(strings.Join(edit(lines), ""))
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(out)
		zw.Close()
		out = b.Bytes()
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDir(t *testing.T) {
	srv, client := newVerifyServer(t)
	second := func(m *incremental.Manifest) string { return m.Files[1].Name }
	tests := []struct {
		name string
		gz   bool
		// break the archive
		mutate func(t *testing.T, dir string, m *incremental.Manifest)
		// problem kinds expected offline and online (nil = clean)
		offline, online []string
		// a line expected in the online report
		wantLine string
	}{
		{name: "clean", gz: true},
		{name: "clean plain", gz: false},
		{
			name: "deleted line", gz: true,
			mutate: func(t *testing.T, dir string, m *incremental.Manifest) {
				editLines(t, filepath.Join(dir, second(m)), func(l []string) []string { return append(l[:10:10], l[11:]...) })
			},
			offline:  []string{KindChecksum, KindCount},
			online:   []string{KindChecksum, KindCount, KindAPI},
			wantLine: "(1 missing)",
		},
		{
			name: "duplicated line", gz: false,
			mutate: func(t *testing.T, dir string, m *incremental.Manifest) {
				editLines(t, filepath.Join(dir, second(m)), func(l []string) []string {
					return append(l[:21:21], append([]string{l[20]}, l[21:]...)...)
				})
			},
			offline: []string{KindChecksum, KindCount, KindDuplicate},
			online:  []string{KindChecksum, KindCount, KindDuplicate},
		},
		{
			name: "truncated gzip file", gz: true,
			mutate: func(t *testing.T, dir string, m *incremental.Manifest) {
				p := filepath.Join(dir, second(m))
				raw, _ := os.ReadFile(p)
				os.WriteFile(p, raw[:len(raw)/2], 0o600)
			},
			offline:  []string{KindChecksum, KindUnparsable, KindCount},
			online:   []string{KindChecksum, KindUnparsable, KindCount, KindAPI},
			wantLine: "missing)",
		},
		{
			name: "truncated plain file mid-line", gz: false,
			mutate: func(t *testing.T, dir string, m *incremental.Manifest) {
				p := filepath.Join(dir, second(m))
				raw, _ := os.ReadFile(p)
				os.WriteFile(p, raw[:len(raw)-100], 0o600)
			},
			offline: []string{KindChecksum, KindUnparsable, KindCount},
			online:  []string{KindChecksum, KindUnparsable, KindCount, KindAPI},
		},
		{
			name: "file deleted", gz: true,
			mutate: func(t *testing.T, dir string, m *incremental.Manifest) {
				os.Remove(filepath.Join(dir, second(m)))
			},
			offline: []string{KindMissingFile},
			online:  []string{KindMissingFile, KindAPI},
		},
		{
			name: "gap in the manifest", gz: true,
			mutate: func(t *testing.T, dir string, m *incremental.Manifest) {
				os.Remove(filepath.Join(dir, second(m)))
				m.Files = append(m.Files[:1:1], m.Files[2:]...)
				m.Save(dir, 0)
			},
			offline: []string{KindTiling},
			online:  []string{KindTiling, KindAPI},
		},
		{
			name: "file not in the manifest", gz: true,
			mutate: func(t *testing.T, dir string, m *incremental.Manifest) {
				r := incremental.Range{From: vEnd, To: vEnd.Add(time.Hour)}
				os.WriteFile(filepath.Join(dir, incremental.FileName(r, ".jsonl.gz")), nil, 0o600)
			},
			offline: []string{KindUnlisted},
			online:  []string{KindUnlisted},
		},
		{
			name: "event outside its file's range", gz: false,
			mutate: func(t *testing.T, dir string, m *incremental.Manifest) {
				// Move the first line of the third file to the end of the second:
				// the files still hold every event once, but one is misfiled.
				var moved string
				editLines(t, filepath.Join(dir, m.Files[2].Name), func(l []string) []string { moved = l[0]; return l[1:] })
				editLines(t, filepath.Join(dir, second(m)), func(l []string) []string { return append(l, moved) })
			},
			offline: []string{KindChecksum, KindCount, KindOutside},
			online:  []string{KindChecksum, KindCount, KindOutside, KindAPI},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, m := writeDir(t, srv, tt.gz)
			if tt.mutate != nil {
				tt.mutate(t, dir, m)
			}
			m, err := incremental.LoadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, mode := range []struct {
				name    string
				counter Counter
				want    []string
			}{{"offline", nil, tt.offline}, {"online", client, tt.online}} {
				r, err := Dir(context.Background(), dir, m, Options{Counter: mode.counter})
				if err != nil {
					t.Fatalf("%s: %v", mode.name, err)
				}
				var report strings.Builder
				r.WriteTo(&report)
				if got := strings.Join(r.Kinds(), ", "); got != strings.Join(mode.want, ", ") {
					t.Errorf("%s: problems [%s], want [%s]\n%s", mode.name, got, strings.Join(mode.want, ", "), &report)
				}
				if r.OK() != (len(mode.want) == 0) {
					t.Errorf("%s: OK() = %v", mode.name, r.OK())
				}
				if mode.counter != nil && tt.wantLine != "" && !strings.Contains(report.String(), tt.wantLine) {
					t.Errorf("%s: report lacks %q:\n%s", mode.name, tt.wantLine, &report)
				}
				if len(mode.want) == 0 && !strings.Contains(report.String(), "ok: complete and clean") {
					t.Errorf("%s: clean report says:\n%s", mode.name, &report)
				}
				if mode.counter != nil && r.Compared != "API" {
					t.Errorf("online verification compared with %q", r.Compared)
				}
			}
		})
	}
}

// A clean archive costs one count query per day, all in one request:
// hours are asked only for days that differ, in one more.
func TestVerifyEconomisesQueries(t *testing.T) {
	srv, client := newVerifyServer(t)
	dir, m := writeDir(t, srv, true)
	before := srv.Requests()
	r, err := Dir(context.Background(), dir, m, Options{Counter: client})
	if err != nil {
		t.Fatal(err)
	}
	if r.Windows != 3 || srv.Requests()-before != 1 {
		t.Errorf("%d count queries in %d requests for 3 clean days, want 3 in 1", r.Windows, srv.Requests()-before)
	}
	editLines(t, filepath.Join(dir, m.Files[0].Name), func(l []string) []string { return l[1:] })
	before = srv.Requests()
	r, err = Dir(context.Background(), dir, m, Options{Counter: client})
	if err != nil {
		t.Fatal(err)
	}
	if r.Windows != 3+24 || srv.Requests()-before != 2 {
		t.Errorf("%d count queries in %d requests with one day off, want 27 in 2", r.Windows, srv.Requests()-before)
	}
	if n := kindCount(t, r, KindAPI); n != 1 {
		t.Errorf("%d hours reported off, want 1: %q", n, kindListed(t, r, KindAPI))
	}
}

func TestVerifyFile(t *testing.T) {
	srv, client := newVerifyServer(t)
	dir, m := writeDir(t, srv, false)
	path := filepath.Join(dir, m.Files[1].Name)
	r := m.Files[1].Range()

	// The file's own first and last events give the range.
	rep, err := Inputs(context.Background(), path, readback.Files(path), Options{Counter: client})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		var b strings.Builder
		rep.WriteTo(&b)
		t.Fatalf("clean file:\n%s", &b)
	}
	if rep.Range.From.Before(r.From) || rep.Range.To.After(r.To) || rep.Events != m.Files[1].Count {
		t.Errorf("derived range %v, %d events; file has %v, %d", rep.Range, rep.Events, r, m.Files[1].Count)
	}

	// With the range given, an event of the neighbouring day is outside it
	// and a deleted line is missing.
	editLines(t, path, func(l []string) []string { return l[1:] })
	rep, err = Inputs(context.Background(), path, readback.Files(path), Options{Counter: client, Range: r})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rep.Kinds(), ", "); got != KindAPI {
		t.Errorf("problems [%s], want [%s]", got, KindAPI)
	}
	// A range wider than the file: the rest is missing.
	wide := incremental.Range{From: vStart, To: vEnd}
	rep, err = Inputs(context.Background(), path, readback.Files(path), Options{Counter: client, Range: wide})
	if err != nil {
		t.Fatal(err)
	}
	if kindCount(t, rep, KindAPI) < 24 {
		t.Errorf("only %d hours off for a file covering a third of the range", kindCount(t, rep, KindAPI))
	}
	_ = srv
}

func TestReportWriteTo(t *testing.T) {
	r := newReport("d", 2)
	r.Range = incremental.Range{From: vStart, To: vEnd}
	r.Files, r.Events, r.Manifest = 3, 20000, true
	for i := 0; i < 5; i++ {
		r.add(KindDuplicate, "dup %d", i)
	}
	var b strings.Builder
	r.WriteTo(&b)
	for _, want := range []string{"3 files, 20,000 events", "FAILED: 5 problems", "duplicate IDs (5):", "  dup 1\n", "... and 3 more", "offline"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, &b)
		}
	}
}

// An archive of an earlier version may list bounds with a fraction of a
// second (a relative --since), named by the second they fall in: verify
// takes them for the whole seconds they select, and the next run of its
// state starts at a whole second that tiles with them.
func TestVerifyDirFractionalBounds(t *testing.T) {
	srv, client := newVerifyServer(t)
	cut := vStart.Add(36*time.Hour + 209147100*time.Nanosecond)
	dir, m := writeRanges(t, srv, []incremental.Range{{From: vStart, To: cut}, {From: cut, To: vEnd}}, ".jsonl")
	for _, counter := range []Counter{nil, client} {
		rep, err := Dir(t.Context(), dir, m, Options{Counter: counter})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() {
			var b strings.Builder
			rep.WriteTo(&b)
			t.Errorf("online %v:\n%s", counter != nil, b.String())
		}
	}
	p, err := incremental.PlanRun("s.json", &incremental.State{Start: vStart, LastEnd: cut}, time.Time{}, vEnd.Add(time.Hour))
	if err != nil || p.Next == nil || !p.Next.From.Equal(cut.Truncate(time.Second).Add(time.Second)) {
		t.Errorf("PlanRun after a fractional end = %+v, %v; want the next whole second", p.Next, err)
	}
}

// writeFile writes events to a lone export file in the order given.
func writeFile(t *testing.T, path string, events []adminapitest.Event) {
	t.Helper()
	df, err := export.CreateDataFile(path, 0, output.Options{Format: "jsonl"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		r := e.Record()
		if err := df.Write(&r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := df.Commit(); err != nil {
		t.Fatal(err)
	}
}

// reportText is the report as verify prints it.
func reportText(r *Report) string {
	var b strings.Builder
	r.WriteTo(&b)
	return b.String()
}

// kindCount is the number of problems of one kind, as the report prints
// it.
func kindCount(t *testing.T, r *Report, kind string) int {
	t.Helper()
	n, _ := kindProblems(t, r, kind)
	return n
}

// kindListed are the problems of one kind that the report lists.
func kindListed(t *testing.T, r *Report, kind string) []string {
	t.Helper()
	_, listed := kindProblems(t, r, kind)
	return listed
}

// kindProblems reads the problems of one kind from the report as verify
// prints it: the number in the kind's heading and the lines below it.
func kindProblems(t *testing.T, r *Report, kind string) (int, []string) {
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

// verify says what it can and cannot prove of a lone file: offline it is
// clean but its completeness is unknown; a newest-first file (as search
// writes it) is checked in that order; an open side of a range prints as
// open.
func TestVerifyLoneFile(t *testing.T) {
	srv, client := newVerifyServer(t)
	asc := srv.Select(adminapi.Selection{From: vStart, To: vEnd})
	desc := make([]adminapitest.Event, len(asc))
	for i, e := range asc {
		desc[len(asc)-1-i] = e
	}
	dir := t.TempDir()
	ascPath, descPath := filepath.Join(dir, "asc.jsonl"), filepath.Join(dir, "desc.jsonl")
	writeFile(t, ascPath, asc)
	writeFile(t, descPath, desc)

	tests := []struct {
		name    string
		path    string
		opts    Options
		kinds   string   // problem kinds, "" = clean
		want    []string // in the report
		notWant []string
	}{
		{name: "offline", path: ascPath,
			want:    []string{"no manifest: local checks only", "ok: clean (every event parsable, in order, in range, once); completeness not checked: no manifest, and offline"},
			notWant: []string{"complete and clean", "newest first"}},
		{name: "online", path: ascPath, opts: Options{Counter: client},
			want: []string{"against the API", "ok: complete and clean"}},
		{name: "newest first, offline", path: descPath,
			want: []string{"events, newest first,", "ok: clean"}},
		{name: "newest first, online", path: descPath, opts: Options{Counter: client},
			want: []string{"events, newest first,", "ok: complete and clean"}},
		{name: "open range", path: ascPath, opts: Options{Range: incremental.Range{From: vStart.Add(time.Hour)}},
			kinds:   KindOutside,
			want:    []string{"is before the start of the range [2026-11-01T01:00:00Z, open)"},
			notWant: []string{"0001-01-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Inputs(t.Context(), tt.path, readback.Files(tt.path), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			text := reportText(rep)
			if got := strings.Join(rep.Kinds(), ", "); got != tt.kinds {
				t.Errorf("problems [%s], want [%s]:\n%s", got, tt.kinds, text)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("report lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(text, w) {
					t.Errorf("report has %q:\n%s", w, text)
				}
			}
		})
	}

	// Newest first, one event out of place: found, in the file's order.
	swapped := append([]adminapitest.Event(nil), desc...)
	i := len(swapped) / 2
	for swapped[i].CreatedAt.Equal(swapped[i+1].CreatedAt) {
		i++
	}
	swapped[i], swapped[i+1] = swapped[i+1], swapped[i]
	writeFile(t, descPath, swapped)
	rep, err := Inputs(t.Context(), descPath, readback.Files(descPath), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if kindCount(t, rep, KindOrder) != 1 || !strings.Contains(reportText(rep), "(the file is newest first)") {
		t.Errorf("one event out of place in a newest-first file:\n%s", reportText(rep))
	}
	if (incremental.Range{}).String() != "[open, open)" {
		t.Errorf("Range{}.String() = %s", incremental.Range{})
	}

	// The files of a directory are export's, oldest first: a reversed one
	// is out of order, not taken for newest first.
	ddir, m := writeDir(t, srv, false)
	editLines(t, filepath.Join(ddir, m.Files[1].Name), func(l []string) []string {
		out := make([]string, len(l))
		for i := range l {
			out[len(l)-1-i] = l[i]
		}
		return out
	})
	rep, err = Dir(t.Context(), ddir, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if kindCount(t, rep, KindOrder) == 0 || rep.NewestFirst {
		t.Errorf("a reversed file in a directory:\n%s", reportText(rep))
	}
}
