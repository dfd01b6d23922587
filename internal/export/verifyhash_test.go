package export

import (
	"context"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

// unsignedArchive is an archive of three unsigned runs in a fresh store.
func unsignedArchive(t *testing.T, o func(until time.Time) Options) *blob.Bucket {
	t.Helper()
	store := memblob.OpenBucket(nil)
	for i, until := range []time.Time{runStart.Add(6 * time.Hour), runStart.Add(12 * time.Hour), runStart.Add(24 * time.Hour)} {
		opts := o(until)
		opts.OpenBucket = func(context.Context, string) (*blob.Bucket, error) {
			return blob.PrefixedBucket(store, "archive/"), nil
		}
		if i == 0 {
			opts.Since = runStart
		}
		if _, err := runOnce(t, opts); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

// Offline, the objects of vouched-for entries (signed, or chained to the
// pinned head) are proven by their hash alone; every other object is
// decoded, so that an entry that nothing vouches for cannot pass with the
// count or range of another object; and --deep decodes them all.
func TestVerifyArchiveByHash(t *testing.T) {
	_, c := runFixture(t)
	ctx := context.Background()
	verify := func(t *testing.T, b *blob.Bucket, o ArchiveVerifyOptions) *Report {
		t.Helper()
		a, err := ReadArchive(ctx, b, "mem://archive")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := VerifyArchive(ctx, b, a, o)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	key := newKey(t)
	signed := signedArchive(t, c, key)
	_, sb := readStore(t, signed)
	deep := verify(t, sb, ArchiveVerifyOptions{Deep: true})
	if !deep.OK() || deep.hashed != 0 || deep.Events == 0 {
		t.Fatalf("--deep: hashed %d, %d events:\n%s", deep.hashed, deep.Events, reportText(deep))
	}
	rep := verify(t, sb, ArchiveVerifyOptions{})
	if !rep.OK() || rep.hashed != 3 || rep.Events != deep.Events || rep.Files != 3 {
		t.Errorf("signed: hashed %d, %d events (decoded: %d):\n%s", rep.hashed, rep.Events, deep.Events, reportText(rep))
	}
	if rep := verify(t, sb, ArchiveVerifyOptions{VerifyOptions: VerifyOptions{Counter: c}}); !rep.OK() || rep.hashed != 0 || rep.Compared != "API" {
		t.Errorf("against the API every object is decoded: hashed %d:\n%s", rep.hashed, reportText(rep))
	}

	// A signed object replaced by another valid one: the hash differs,
	// the object is decoded, and both problems are named.
	a, _ := readStore(t, signed)
	first, second := a.Entries[0].Entry.Objects[0].Key, a.Entries[1].Entry.Objects[0].Key
	raw, err := sb.ReadAll(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.WriteAll(ctx, second, raw, nil); err != nil {
		t.Fatal(err)
	}
	rep = verify(t, sb, ArchiveVerifyOptions{})
	if rep.Count(KindChecksum) != 1 || rep.Count(KindOutside) == 0 || rep.hashed != 2 {
		t.Errorf("a replaced signed object: hashed %d:\n%s", rep.hashed, reportText(rep))
	}

	unsigned := func(until time.Time) Options { return bucketOptions(c, nil, until) }
	store := unsignedArchive(t, unsigned)
	a, ub := readStore(t, store)
	head, middle := a.Head(), a.Entries[1].Hash
	if rep := verify(t, ub, ArchiveVerifyOptions{}); !rep.OK() || rep.hashed != 0 {
		t.Errorf("unsigned, no --head: every object decoded, hashed %d:\n%s", rep.hashed, reportText(rep))
	}
	if rep := verify(t, ub, ArchiveVerifyOptions{Head: head}); !rep.OK() || rep.hashed != 3 || !rep.HeadPinned {
		t.Errorf("unsigned, --head the last entry: hashed %d:\n%s", rep.hashed, reportText(rep))
	}
	if rep := verify(t, ub, ArchiveVerifyOptions{Head: middle}); !rep.OK() || rep.hashed != 2 {
		t.Errorf("unsigned, --head the second entry: hashed %d:\n%s", rep.hashed, reportText(rep))
	}

	// The last entry, unsigned, rewritten with another count: its object
	// still matches its hash, but nothing vouches for the entry, so the
	// object is decoded and the count found wrong; with the old head
	// pinned, the head is missing too.
	last := a.Entries[2].Entry
	last.Objects[0].Count++
	edited, err := EncodeEntry(&last, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ub.WriteAll(ctx, EntryKey(3), edited, nil); err != nil {
		t.Fatal(err)
	}
	rep = verify(t, ub, ArchiveVerifyOptions{})
	if rep.Count(KindCount) != 1 || rep.hashed != 0 {
		t.Errorf("an unsigned last entry with another count: hashed %d:\n%s", rep.hashed, reportText(rep))
	}
	rep = verify(t, ub, ArchiveVerifyOptions{Head: head})
	if rep.Count(KindCount) != 1 || rep.Count(KindHead) != 1 || rep.hashed != 0 {
		t.Errorf("the same with the old head pinned: hashed %d:\n%s", rep.hashed, reportText(rep))
	}
	rep = verify(t, ub, ArchiveVerifyOptions{Head: middle})
	if rep.Count(KindCount) != 1 || rep.hashed != 2 {
		t.Errorf("the same with the second entry's head pinned: hashed %d:\n%s", rep.hashed, reportText(rep))
	}
}
