package verify

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"gocloud.dev/blob"
	"golang.org/x/sync/errgroup"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
)

// ArchiveOptions are what Archive checks beyond Options.
type ArchiveOptions struct {
	Options
	// VerifyKey, when set, must have signed every entry.
	VerifyKey ed25519.PublicKey
	// Head, when set ("sha256:<hex>" or the hex alone), must be the hash
	// of an entry of the chain: nothing up to it was removed.
	Head string
	// Parallel is the number of data objects read at once; 0 means 8.
	Parallel int
	// Deep decodes every event of every object offline, also of the
	// objects that their SHA-256 already proves (see Archive).
	Deep bool
}

// Archive checks an archive: the chain (every entry present, in
// order, naming the hash of the one before; ranges that tile), the
// signatures, the pinned head, every object an entry (or manifest.json)
// names against its size, SHA-256 and count, every event (in its object's
// range, in order, once, parsable), and unless offline the counts per day
// against the API. Objects are read in parallel, each as a stream. Objects
// that no entry names are listed, and are no problem: a killed or losing
// run leaves them, and nothing reads them as data.
//
// Offline, an object whose entry is vouched for (its signature is valid,
// or it is in an unbroken chain up to the pinned head) is only hashed
// unless Deep is set: when its size and SHA-256 are those the entry
// records, its bytes are the ones the export wrote, counted and recorded
// as it wrote them, so its count and range are the entry's, and decoding
// it would find what the export found when it wrote it. Every other object
// is decoded: an unsigned entry after the pinned head (or with none) could
// have been rewritten with the count of another object, and an object
// without a recorded SHA-256 has only its events to check. An object that
// does not match is decoded too, so that its report says what is wrong
// with it. Against the API every object is decoded, for its hours.
func Archive(ctx context.Context, b *blob.Bucket, a *incremental.Archive, o ArchiveOptions) (*Report, error) {
	r := newReport(a.Location, o.MaxListed)
	r.Manifest, r.Archive = true, true
	r.Head, r.Entries = a.Head(), len(a.Entries)
	r.signers = map[string]int{}
	for _, p := range a.Problems() {
		r.add(p.Kind, "%s", p.Msg)
	}
	vouched := make([]bool, len(a.Entries))
	for i, d := range a.Entries {
		if d.Signed == nil {
			continue // not decoded: a problem of the chain already
		}
		if err := d.CheckSignature(o.VerifyKey); err != nil {
			r.add(KindSignature, "%s: %v", d.Key, err)
			continue
		}
		if pub, err := d.PublicKey(); err == nil {
			r.signers[incremental.KeyID(pub)]++
			vouched[i] = true
		} else {
			r.unsigned++
		}
	}
	r.keyGiven = o.VerifyKey != nil
	if o.Head != "" {
		want := strings.ToLower(strings.TrimSpace(o.Head))
		if !strings.HasPrefix(want, "sha256:") {
			want = "sha256:" + want
		}
		found := false
		for i, d := range a.Entries {
			if d.Hash == want {
				found = true
				// The pinned head vouches for the entries it chains to,
				// when the chain has no break.
				for j := 0; j <= i && len(a.Problems()) == 0; j++ {
					vouched[j] = true
				}
			}
		}
		if !found {
			r.add(KindHead, "no entry of the chain hashes to %s: entries up to that head were removed or rewritten (or it is another archive's head)", want)
		}
		r.HeadPinned = found
	}
	inputs, named := archiveInputs(ctx, b, a, r)
	if o.Counter == nil && !o.Deep {
		hashOnly := vouchedObjects(a, vouched)
		for i := range inputs {
			inputs[i].hashOnly = hashOnly[inputs[i].name]
		}
	}
	if err := r.listUnreferenced(ctx, b, a, named); err != nil {
		return nil, err
	}
	if !a.Empty() {
		r.Range = incremental.Range{From: auditlog.CeilSecond(a.Start()), To: auditlog.CeilSecond(a.End())}
	}
	t, err := readParallelInputs(ctx, r, inputs, o.Parallel)
	if err != nil {
		return nil, err
	}
	if o.Counter == nil || r.Range.Empty() {
		return r, nil
	}
	r.Compared = "API"
	return r, compareAPI(ctx, r, t, o.Options)
}

// vouchedObjects are the keys of the objects that a vouched-for entry
// records with a SHA-256: those of manifest.json too when the first entry
// records manifest.json's own hash and that hash is still its.
func vouchedObjects(a *incremental.Archive, vouched []bool) map[string]bool {
	keys := map[string]bool{}
	for i, d := range a.Entries {
		if !vouched[i] {
			continue
		}
		for _, obj := range d.Entry.Objects {
			if obj.SHA256 != "" {
				keys[obj.Key] = true
			}
		}
		if l := d.Entry.Legacy; i == 0 && l != nil && a.Legacy != nil && int64(len(a.LegacyRaw)) == l.Bytes && incremental.HashOf(a.LegacyRaw) == l.SHA256 {
			for _, f := range a.Legacy.Files {
				if f.SHA256 != "" {
					keys[f.Name] = true
				}
			}
		}
	}
	return keys
}

// archiveInputs are the objects to read: the files of manifest.json, with
// the checks Dir makes of them, then the objects of the entries.
func archiveInputs(ctx context.Context, b *blob.Bucket, a *incremental.Archive, r *Report) ([]verifyInput, map[string]bool) {
	named := map[string]bool{}
	var inputs []verifyInput
	if a.Legacy != nil {
		files := a.Legacy.Files
		for i := range files {
			f := &files[i]
			if f.Name != path.Base(f.Name) || f.Name == "." || f.Name == ".." {
				r.add(KindMissingFile, "%s: not a file name inside the directory", f.Name)
				continue
			}
			if i > 0 {
				prev := files[i-1]
				switch {
				case incremental.SameSecond(f.From, prev.To):
				case f.From.After(prev.To):
					r.add(KindTiling, "gap %s between %s and %s", incremental.Range{From: prev.To, To: f.From}, prev.Name, f.Name)
				default:
					r.add(KindTiling, "%s and %s overlap in %s", prev.Name, f.Name, incremental.Range{From: f.From, To: auditlog.Earlier(prev.To, f.To)})
				}
			}
		}
	}
	for _, obj := range a.Objects() {
		named[obj.Key] = true
		mf := &incremental.ManifestFile{Name: obj.Key, From: obj.From, To: obj.To, Count: obj.Count, SHA256: obj.SHA256, Bytes: obj.Bytes}
		in := verifyInput{name: obj.Key, entry: mf, open: func() (io.ReadCloser, error) { return incremental.OpenObject(ctx, b, a.Location, obj.Key) }}
		if obj.Format != "" {
			c, err := codec.For(obj.Format, obj.Compression)
			if err != nil {
				r.add(KindUnparsable, "%s: %v", obj.Key, err)
				continue
			}
			in.codec = &c
			in.openAt = func() (io.ReaderAt, error) { return &bucketReaderAt{ctx: ctx, b: b, key: obj.Key}, nil }
		}
		inputs = append(inputs, in)
	}
	return inputs, named
}

// bucketReaderAt reads ranges of an object, for formats that need random
// access.
type bucketReaderAt struct {
	ctx context.Context
	b   *blob.Bucket
	key string
}

func (ra *bucketReaderAt) ReadAt(p []byte, off int64) (int, error) {
	rr, err := ra.b.NewRangeReader(ra.ctx, ra.key, off, int64(len(p)), nil)
	if err != nil {
		return 0, err
	}
	defer rr.Close()
	n, err := io.ReadFull(rr, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}

// listUnreferenced lists every key that is neither an entry, nor
// manifest.json, nor an object named by one. A data file of an archive of
// the earlier format alone that its manifest does not list is a problem,
// as it was: the next run of that format redid its range under its name.
func (r *Report) listUnreferenced(ctx context.Context, b *blob.Bucket, a *incremental.Archive, named map[string]bool) error {
	it := b.List(nil)
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("list %s: %w", a.Location, err)
		}
		k := o.Key
		if incremental.IsEntryKey(k) || named[k] || k == incremental.ManifestName || k == incremental.DirLockName || o.IsDir {
			continue
		}
		if len(a.Entries) == 0 && a.Legacy != nil && incremental.IsDataFile(k) {
			r.add(KindUnlisted, "%s: not in the manifest (a run was interrupted after writing it; the next export run redoes its range and lists it)", k)
			continue
		}
		r.unreferenced = append(r.unreferenced, k)
	}
	sort.Strings(r.unreferenced)
	return nil
}

// readParallel is how many data objects are read at once by default.
const readParallel = 8

// readParallelInputs reads the inputs, n at a time, each into a report
// and tally of its own, and merges them in input order.
func readParallelInputs(ctx context.Context, r *Report, inputs []verifyInput, n int) (*tally, error) {
	if n <= 0 {
		n = readParallel
	}
	subs := make([]*Report, len(inputs))
	tallies := make([]*tally, len(inputs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for i, in := range inputs {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			sub := newReport(in.name, r.maxListed)
			sub.Range = r.Range
			t := newTally()
			if err := readOne(sub, t, in); err != nil {
				return err
			}
			subs[i], tallies[i] = sub, t
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	all := newTally()
	for i := range inputs {
		r.Files++
		r.merge(subs[i])
		all.merge(tallies[i])
	}
	return all, nil
}

func (r *Report) merge(sub *Report) {
	r.Events += sub.Events
	r.hashed += sub.hashed
	for _, k := range kindOrder {
		r.counts[k] += sub.counts[k]
		if r.counts[k] == 0 {
			delete(r.counts, k)
		}
		for _, p := range sub.listed[k] {
			if len(r.listed[k]) < r.maxListed {
				r.listed[k] = append(r.listed[k], p)
			}
		}
	}
}

func (t *tally) merge(u *tally) {
	for h, n := range u.hours {
		t.hours[h] += n
	}
	if !u.first.IsZero() && (t.first.IsZero() || u.first.Before(t.first)) {
		t.first = u.first
	}
	if u.last.After(t.last) {
		t.last = u.last
	}
}
