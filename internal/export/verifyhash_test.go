package export

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/verify"
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
	check := func(t *testing.T, b *blob.Bucket, o verify.ArchiveOptions) *verify.Report {
		t.Helper()
		a, err := incremental.ReadArchive(ctx, b, "mem://archive")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := verify.Archive(ctx, b, a, o)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	key := newKey(t)
	signed := signedArchive(t, c, key)
	_, sb := readStore(t, signed)
	deep := check(t, sb, verify.ArchiveOptions{Deep: true})
	if !deep.OK() || hashedCount(t, deep) != 0 || deep.Events == 0 {
		t.Fatalf("--deep: hashed %d, %d events:\n%s", hashedCount(t, deep), deep.Events, reportText(deep))
	}
	rep := check(t, sb, verify.ArchiveOptions{})
	if !rep.OK() || hashedCount(t, rep) != 3 || rep.Events != deep.Events || rep.Files != 3 {
		t.Errorf("signed: hashed %d, %d events (decoded: %d):\n%s", hashedCount(t, rep), rep.Events, deep.Events, reportText(rep))
	}
	if rep := check(t, sb, verify.ArchiveOptions{Options: verify.Options{Counter: c}}); !rep.OK() || hashedCount(t, rep) != 0 || rep.Compared != "API" {
		t.Errorf("against the API every object is decoded: hashed %d:\n%s", hashedCount(t, rep), reportText(rep))
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
	rep = check(t, sb, verify.ArchiveOptions{})
	if kindCount(t, rep, verify.KindChecksum) != 1 || kindCount(t, rep, verify.KindOutside) == 0 || hashedCount(t, rep) != 2 {
		t.Errorf("a replaced signed object: hashed %d:\n%s", hashedCount(t, rep), reportText(rep))
	}

	unsigned := func(until time.Time) Options { return bucketOptions(c, nil, until) }
	store := unsignedArchive(t, unsigned)
	a, ub := readStore(t, store)
	head, middle := a.Head(), a.Entries[1].Hash
	if rep := check(t, ub, verify.ArchiveOptions{}); !rep.OK() || hashedCount(t, rep) != 0 {
		t.Errorf("unsigned, no --head: every object decoded, hashed %d:\n%s", hashedCount(t, rep), reportText(rep))
	}
	if rep := check(t, ub, verify.ArchiveOptions{Head: head}); !rep.OK() || hashedCount(t, rep) != 3 || !rep.HeadPinned {
		t.Errorf("unsigned, --head the last entry: hashed %d:\n%s", hashedCount(t, rep), reportText(rep))
	}
	if rep := check(t, ub, verify.ArchiveOptions{Head: middle}); !rep.OK() || hashedCount(t, rep) != 2 {
		t.Errorf("unsigned, --head the second entry: hashed %d:\n%s", hashedCount(t, rep), reportText(rep))
	}

	// The last entry, unsigned, rewritten with another count: its object
	// still matches its hash, but nothing vouches for the entry, so the
	// object is decoded and the count found wrong; with the old head
	// pinned, the head is missing too.
	last := a.Entries[2].Entry
	last.Objects[0].Count++
	edited, err := incremental.EncodeEntry(&last, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ub.WriteAll(ctx, incremental.EntryKey(3), edited, nil); err != nil {
		t.Fatal(err)
	}
	rep = check(t, ub, verify.ArchiveOptions{})
	if kindCount(t, rep, verify.KindCount) != 1 || hashedCount(t, rep) != 0 {
		t.Errorf("an unsigned last entry with another count: hashed %d:\n%s", hashedCount(t, rep), reportText(rep))
	}
	rep = check(t, ub, verify.ArchiveOptions{Head: head})
	if kindCount(t, rep, verify.KindCount) != 1 || kindCount(t, rep, verify.KindHead) != 1 || hashedCount(t, rep) != 0 {
		t.Errorf("the same with the old head pinned: hashed %d:\n%s", hashedCount(t, rep), reportText(rep))
	}
	rep = check(t, ub, verify.ArchiveOptions{Head: middle})
	if kindCount(t, rep, verify.KindCount) != 1 || hashedCount(t, rep) != 2 {
		t.Errorf("the same with the second entry's head pinned: hashed %d:\n%s", hashedCount(t, rep), reportText(rep))
	}
}

// hashedCount is the number of objects the report says were proven by
// their hash alone ("hashed: 3 objects ..."), 0 without that line.
func hashedCount(t *testing.T, r *verify.Report) int {
	t.Helper()
	_, line, ok := strings.Cut(reportText(r), "\nhashed: ")
	if !ok {
		return 0
	}
	num, _, _ := strings.Cut(line, " ")
	n, err := strconv.Atoi(strings.ReplaceAll(num, ",", ""))
	if err != nil {
		t.Fatalf("hashed line %q: %v", line, err)
	}
	return n
}
