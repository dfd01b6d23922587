package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/readback"
	"github.com/authgear-audit/authgear-audit/internal/verify"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// parquetFixture serves three days of events.
func parquetFixture(t *testing.T) (*adminapitest.Server, *adminapi.Client) {
	t.Helper()
	evs, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 13, Count: 900, Start: runStart, End: runStart.Add(72 * time.Hour), Bursts: 2, BurstSize: 150})
	srv := adminapitest.New(t, adminapitest.WithEvents(evs, users))
	c, err := adminapi.New(adminapi.Options{Endpoint: srv.Endpoint(), ProjectID: srv.ProjectID(), KeyID: srv.KeyID(), KeyFile: srv.KeyFile(t),
		RetryBase: time.Millisecond, RetryCap: time.Millisecond, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// parquetStores are the buckets the archive is tested in: memory, and a
// folder through fileblob.
func parquetStores(t *testing.T) map[string]*blob.Bucket {
	fb, err := fileblob.OpenBucket(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	mb := memblob.OpenBucket(nil)
	t.Cleanup(func() { fb.Close(); mb.Close() })
	return map[string]*blob.Bucket{"memblob": mb, "fileblob": fb}
}

var parquetKey = regexp.MustCompile(`^dt=(\d{4}-\d{2}-\d{2})/audit-\d{8}T\d{6}Z-\d{8}T\d{6}Z-([0-9a-f]{12})\.parquet$`)

// Two runs into a Parquet archive: one object per UTC day per run, under
// dt=YYYY-MM-DD/, each listed in its entry with its size and SHA-256; the
// archive verifies offline and against the API, and reads back (search,
// count) as exactly the events of the range.
func TestParquetArchive(t *testing.T) {
	srv, c := parquetFixture(t)
	end := runStart.Add(72 * time.Hour)
	for name, store := range parquetStores(t) {
		t.Run(name, func(t *testing.T) {
			mid := runStart.Add(30*time.Hour + 17*time.Second)
			for _, until := range []time.Time{mid, end} {
				o := bucketOptions(c, store, until)
				o.Since = runStart
				o.Output = output.Options{Format: codec.FormatParquet, UTC: true}
				if _, err := runOnce(t, o); err != nil {
					t.Fatal(err)
				}
			}
			a, b := readStore(t, store)
			if len(a.Entries) != 2 || a.Problem() != nil {
				t.Fatalf("%d entries, %v", len(a.Entries), a.Problem())
			}
			// Days per run: the first covers day 1 and part of day 2, the
			// second the rest of day 2 and day 3.
			wantDays := [][]string{{"2026-11-20", "2026-11-21"}, {"2026-11-21", "2026-11-22"}}
			for i, d := range a.Entries {
				var days []string
				for _, obj := range d.Entry.Objects {
					m := parquetKey.FindStringSubmatch(obj.Key)
					if m == nil || m[2] != d.Entry.RunID {
						t.Fatalf("entry %d names %s, not dt=DAY/audit-FROM-TO-%s.parquet", i+1, obj.Key, d.Entry.RunID)
					}
					if obj.Format != codec.FormatParquet || obj.Compression != "" || m[1] != obj.From.Format("2006-01-02") {
						t.Errorf("%s: format %q, compression %q, from %s", obj.Key, obj.Format, obj.Compression, obj.From)
					}
					size, sum := objectSum(t, b, obj.Key)
					if size != obj.Bytes || sum != obj.SHA256 {
						t.Errorf("%s: %d bytes, sha256 %s; the entry says %d, %s", obj.Key, size, sum, obj.Bytes, obj.SHA256)
					}
					days = append(days, m[1])
				}
				if !slices.Equal(days, wantDays[i]) {
					t.Errorf("entry %d: objects of days %v, want %v", i+1, days, wantDays[i])
				}
			}
			got := archiveIDs(t, a, b)
			slices.Sort(got)
			if want := sortedIDs(srv.Select(adminapi.Selection{From: runStart, To: end})); !slices.Equal(got, want) {
				t.Errorf("the archive holds %d events, want the %d of the range once each", len(got), len(want))
			}
			f := auditlog.Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}}
			n := 0
			if err := readback.Match(context.Background(), a.Inputs(context.Background(), b), f, func(*auditlog.Event) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if want := len(srv.Select(adminapi.Selection{From: runStart, To: end, ActivityTypes: f.ActivityTypes})); n != want || n == 0 {
				t.Errorf("search for USER_AUTHENTICATED found %d, want %d", n, want)
			}
			for _, counter := range []verify.Counter{nil, c} {
				rep, err := verify.Archive(context.Background(), b, a, verify.ArchiveOptions{Options: verify.Options{Counter: counter}})
				if err != nil || !rep.OK() || rep.Events != int64(len(got)) {
					t.Errorf("verify (API %v): ok %v, %d events, %v\n%s", counter != nil, rep.OK(), rep.Events, err, reportText(rep))
				}
			}
		})
	}
}

func objectSum(t *testing.T, b *blob.Bucket, key string) (int64, string) {
	t.Helper()
	r, err := b.NewReader(context.Background(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatal(err)
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

// failingSource fails every page after the first pages: a run that dies
// part way through.
type failingSource struct {
	walk.Source
	pages atomic.Int64
	after int64
}

var errDied = errors.New("the run died")

func (s *failingSource) Page(ctx context.Context, q adminapi.PageQuery) (*adminapi.Page, error) {
	if s.pages.Add(1) > s.after {
		return nil, errDied
	}
	return s.Source.Page(ctx, q)
}

// A run that dies after writing the objects of some days commits no
// entry: its objects are named by nothing, verify lists them, nothing
// reads them, and the next run makes the archive exact.
func TestParquetArchiveDiedRun(t *testing.T) {
	srv, c := parquetFixture(t)
	end := runStart.Add(72 * time.Hour)
	store := memblob.OpenBucket(nil)
	defer store.Close()
	o := bucketOptions(c, store, end)
	o.Since, o.Parallel = runStart, 1
	o.Output = output.Options{Format: codec.FormatParquet, UTC: true}
	o.Source = &failingSource{Source: c, after: 8}
	if _, err := runOnce(t, o); !errors.Is(err, errDied) {
		t.Fatalf("the dying run: %v", err)
	}
	a, b := readStore(t, store)
	if len(a.Entries) != 0 {
		t.Fatalf("a run that died committed %d entries", len(a.Entries))
	}
	left := 0
	for it := b.List(nil); ; {
		obj, err := it.Next(context.Background())
		if err != nil {
			break
		}
		if parquetKey.MatchString(obj.Key) {
			left++
		}
	}
	if left == 0 {
		t.Fatal("the dying run left no object: the test proves nothing")
	}
	o.Source = c
	if _, err := runOnce(t, o); err != nil {
		t.Fatal(err)
	}
	a, b = readStore(t, store)
	got := archiveIDs(t, a, b)
	slices.Sort(got)
	if want := sortedIDs(srv.Select(adminapi.Selection{From: runStart, To: end})); !slices.Equal(got, want) {
		t.Errorf("after the next run the archive holds %d events, want %d once each", len(got), len(want))
	}
	rep, err := verify.Archive(context.Background(), b, a, verify.ArchiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := unreferenced(t, rep); n != left {
		t.Errorf("verify lists %d objects no entry names, want the %d the dead run left\n%s", n, left, reportText(rep))
	}
}
