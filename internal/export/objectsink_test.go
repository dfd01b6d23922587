package export

import (
	"context"
	"io"
	"strings"
	"testing"

	"gocloud.dev/blob/memblob"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/verify"
)

// A codec split by UTC day (as Parquet's is) writes one object per day
// that has events, under dt=YYYY-MM-DD/, each with its own range, count,
// size and checksum; a codec read with random access (as Parquet is) is
// verified through the bucket's range reads.
func TestCodecSplitByDayAndReaderAt(t *testing.T) {
	ctx := context.Background()
	c, err := codec.For(output.FormatJSONL, "")
	if err != nil {
		t.Fatal(err)
	}
	c.SplitByDay = true
	c.NewReaderAt = func(name string, r io.ReaderAt, size int64) (codec.EventReader, error) {
		return c.NewReader(name, io.NewSectionReader(r, 0, size))
	}
	from, to := ts("2026-11-20T06:00:00Z"), ts("2026-11-23T06:00:00Z")
	evs, _ := adminapitest.Generate(adminapitest.GenOptions{Seed: 5, Count: 90, Start: from, End: ts("2026-11-21T12:00:00Z")})
	late, _ := adminapitest.Generate(adminapitest.GenOptions{Seed: 6, Count: 10, Start: ts("2026-11-22T23:00:00Z"), End: to})
	evs = append(evs, late...)
	b := memblob.OpenBucket(nil)
	defer b.Close()
	s := newObjectSink(ctx, b, "mem://a", c, output.Options{UTC: true}, "0123456789ab", incremental.Range{From: from, To: to})
	for _, e := range evs {
		rec := e.Record()
		if err := s.write(&rec); err != nil {
			t.Fatal(err)
		}
	}
	objs, err := s.finish()
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{
		"dt=2026-11-20/audit-20261120T060000Z-20261121T000000Z-0123456789ab.jsonl",
		"dt=2026-11-21/audit-20261121T000000Z-20261122T000000Z-0123456789ab.jsonl",
		"dt=2026-11-22/audit-20261122T000000Z-20261123T000000Z-0123456789ab.jsonl",
		"dt=2026-11-23/audit-20261123T000000Z-20261123T060000Z-0123456789ab.jsonl",
	}
	var total int64
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
		total += o.Count
		if strings.ContainsAny(o.Key, ": ") {
			t.Errorf("%s: a key with a colon or space", o.Key)
		}
	}
	if total != int64(len(evs)) || len(objs) < 3 || !containsAll(wantKeys, keys) {
		t.Fatalf("objects %v hold %d events, want %d in keys among %v", keys, total, len(evs), wantKeys)
	}
	// The objects' entry, committed and read back as a run's would be.
	a, err := incremental.ReadArchive(ctx, b, "mem://a")
	if err != nil {
		t.Fatal(err)
	}
	e := a.NextEntry("0123456789ab", to, incremental.Identity{}, incremental.Range{From: from, To: to}, objs)
	if _, err := incremental.CommitEntry(ctx, b, a, e, nil); err != nil {
		t.Fatal(err)
	}
	if a, err = incremental.ReadArchive(ctx, b, "mem://a"); err != nil {
		t.Fatal(err)
	}
	if err := a.Problem(); err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Archive(ctx, b, a, verify.ArchiveOptions{})
	if err != nil || !rep.OK() || rep.Events != int64(len(evs)) {
		t.Errorf("verify: %v\n%s", err, reportText(rep))
	}
	// The reader at random access reads what the checksum covered: an
	// edited object is caught.
	if err := b.WriteAll(ctx, objs[0].Key, []byte("{}\n"), nil); err != nil {
		t.Fatal(err)
	}
	if rep, _ := verify.Archive(ctx, b, a, verify.ArchiveOptions{}); kindCount(t, rep, verify.KindChecksum) != 1 {
		t.Errorf("an edited object:\n%s", reportText(rep))
	}
}

func containsAll(set, sub []string) bool {
	for _, k := range sub {
		found := false
		for _, s := range set {
			found = found || s == k
		}
		if !found {
			return false
		}
	}
	return true
}
