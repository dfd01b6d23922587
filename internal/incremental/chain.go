package incremental

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
	"golang.org/x/sync/errgroup"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/objstore"
	"github.com/authgear-audit/authgear-audit/internal/readback"
)

// readParallel bounds the entries read at once when an archive is opened.
const readParallel = 8

// Archive is an --out-dir as read: the manifest.json of the earlier
// format, if there is one, and the entries in key order.
type Archive struct {
	Location string
	// Legacy is manifest.json, nil if there is none; LegacyRaw its bytes.
	Legacy    *Manifest
	LegacyRaw []byte
	Entries   []*DecodedEntry
	// Stray are the keys under manifest/ that are no entry key: what a
	// killed write left (a file system's temporary file) or what someone
	// put there. No reader takes them for entries.
	Stray []string

	problems []ChainProblem
}

// ChainProblem is one problem of the chain: its kind, as verify's report
// groups it, and what it says.
type ChainProblem struct{ Kind, Msg string }

// The kinds of the chain's problems.
const (
	KindEntries = "entries and chain"
	KindTiling  = "gaps and overlaps"
)

// Empty reports whether the archive holds nothing yet.
func (a *Archive) Empty() bool {
	return len(a.Entries) == 0 && (a.Legacy == nil || len(a.Legacy.Files) == 0)
}

// Last is the last entry, nil if there is none.
func (a *Archive) Last() *DecodedEntry {
	if len(a.Entries) == 0 {
		return nil
	}
	return a.Entries[len(a.Entries)-1]
}

// Head is the hash of the last entry: "" when there is none.
func (a *Archive) Head() string {
	if l := a.Last(); l != nil {
		return l.Hash
	}
	return ""
}

// Start and End are where the archive begins and ends (zero when empty).
func (a *Archive) Start() time.Time {
	if a.Legacy != nil && len(a.Legacy.Files) > 0 {
		return a.Legacy.Files[0].From
	}
	if len(a.Entries) > 0 {
		return a.Entries[0].Entry.From
	}
	return time.Time{}
}

func (a *Archive) End() time.Time {
	if l := a.Last(); l != nil {
		return l.Entry.To
	}
	return a.legacyEnd()
}

func (a *Archive) legacyEnd() time.Time {
	var end time.Time
	if a.Legacy != nil {
		for _, f := range a.Legacy.Files {
			end = auditlog.Later(end, f.To)
		}
	}
	return end
}

// Filter is what the archive's newest record says it holds; ok is false
// for an empty archive.
func (a *Archive) Filter() (f Filter, ok bool) {
	_, f, ok = a.Holds()
	return f, ok
}

// Holds is what the archive's newest record says it holds: project and
// filter; ok is false for an empty archive.
func (a *Archive) Holds() (project string, f Filter, ok bool) {
	if l := a.Last(); l != nil {
		return l.Entry.Project, l.Entry.Filter, true
	}
	if a.Legacy != nil && len(a.Legacy.Files) > 0 {
		return a.Legacy.Project, a.Legacy.Filter, true
	}
	return "", Filter{}, false
}

// IsNotFound reports whether a bucket error says that a key is absent.
func IsNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }

// ReadArchive lists and reads the entries of the archive in b (in
// parallel), reads manifest.json if there is one, and checks the chain:
// Problem says what is wrong with it.
func ReadArchive(ctx context.Context, b *blob.Bucket, location string) (*Archive, error) {
	a := &Archive{Location: location}
	raw, err := b.ReadAll(ctx, ManifestName)
	switch {
	case IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", ManifestName, objstore.Explain(location, err))
	default:
		var m Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s in %s is not valid JSON: %v", ManifestName, location, err)
		}
		if m.Version > ManifestVersion {
			return nil, fmt.Errorf("%s in %s has version %d, newer than this authgear-audit understands (%d): upgrade authgear-audit", ManifestName, location, m.Version, ManifestVersion)
		}
		m.sort()
		a.Legacy, a.LegacyRaw = &m, raw
	}
	var keys []string
	it := b.List(&blob.ListOptions{Prefix: EntryPrefix})
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", EntryPrefix, objstore.Explain(location, err))
		}
		if o.IsDir {
			continue
		}
		if _, ok := entrySeq(o.Key); ok {
			keys = append(keys, o.Key)
		} else {
			a.Stray = append(a.Stray, o.Key)
		}
	}
	slices.Sort(keys) // zero-padded: key order is sequence order
	a.Entries = make([]*DecodedEntry, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readParallel)
	decodeErrs := make([]error, len(keys))
	for i, k := range keys {
		g.Go(func() error {
			raw, err := b.ReadAll(gctx, k)
			if err != nil {
				return fmt.Errorf("read %s: %w", k, objstore.Explain(location, err))
			}
			a.Entries[i], decodeErrs[i] = DecodeEntry(k, raw)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	a.check(decodeErrs)
	return a, nil
}

// Problem is the first problem of the chain, nil when it is whole: a run
// adds nothing to a broken chain.
func (a *Archive) Problem() error {
	if len(a.problems) == 0 {
		return nil
	}
	more := ""
	if n := len(a.problems) - 1; n > 0 {
		more = fmt.Sprintf(" (and %d more)", n)
	}
	return fmt.Errorf("archive %s: %s%s: run 'authgear-audit verify --offline %s' for every problem; a run adds nothing to a damaged archive",
		a.Location, a.problems[0].Msg, more, a.Location)
}

func (a *Archive) add(kind, format string, args ...any) {
	a.problems = append(a.problems, ChainProblem{Kind: kind, Msg: fmt.Sprintf(format, args...)})
}

// Problems are every problem of the chain, in the order found.
func (a *Archive) Problems() []ChainProblem { return a.problems }

// check walks the chain: keys without gaps, sequence numbers that match
// them, each entry naming the hash of the one before, ranges that tile,
// objects inside their entry's range.
func (a *Archive) check(decodeErrs []error) {
	var prev *DecodedEntry
	seen := map[string]string{}
	if a.Legacy != nil {
		for _, f := range a.Legacy.Files {
			seen[f.Name] = ManifestName
		}
	}
	for i, d := range a.Entries {
		seq, _ := entrySeq(d.Key)
		if seq != i+1 && (prev == nil || seq != prevSeq(prev)+1) {
			from := 1
			if prev != nil {
				from = prevSeq(prev) + 1
			}
			missing := EntryKey(from)
			if seq-1 > from {
				missing += " to " + EntryKey(seq-1)
			}
			a.add(KindEntries, "%s: missing (deleted?): the entries jump to %s", missing, d.Key)
		}
		if decodeErrs[i] != nil {
			a.add(KindEntries, "%s: %v", d.Key, decodeErrs[i])
			prev = d
			continue
		}
		e := &d.Entry
		if e.Sequence != seq {
			a.add(KindEntries, "%s: says it is entry %d (renamed or reordered)", d.Key, e.Sequence)
		}
		switch {
		case prev == nil && seq == 1 && e.Previous != "":
			a.add(KindEntries, "%s: is the first entry but names a previous one, %s (entries before it were removed?)", d.Key, e.Previous)
		case prev != nil && e.Previous != prev.Hash:
			a.add(KindEntries, "%s: names %s as the previous entry, but %s hashes to %s: one of them was edited, replaced, reordered or inserted",
				d.Key, orNone(e.Previous), prev.Key, prev.Hash)
		}
		start := time.Time{}
		switch {
		case prev != nil && prev.Entry.Version == EntryVersion:
			start = prev.Entry.To
		case prev == nil && a.Legacy != nil && len(a.Legacy.Files) > 0:
			start = a.legacyEnd()
		}
		if !start.IsZero() {
			where := ManifestName
			if prev != nil {
				where = prev.Key
			}
			switch {
			case e.From.After(start):
				a.add(KindTiling, "gap %s between %s and %s", Range{From: start, To: e.From}, where, d.Key)
			case e.From.Before(start):
				a.add(KindTiling, "%s and %s overlap in %s", where, d.Key, Range{From: e.From, To: auditlog.Earlier(start, e.To)})
			}
		}
		if !e.From.Before(e.To) {
			a.add(KindTiling, "%s: empty or reversed range %s", d.Key, e.Range())
		}
		if prev == nil {
			a.checkLegacy(d)
		} else if e.Legacy != nil {
			a.add(KindEntries, "%s: records %s, which only the first entry may", d.Key, e.Legacy.Key)
		}
		var last time.Time
		for _, o := range e.Objects {
			switch {
			case o.Key == "" || strings.HasPrefix(o.Key, EntryPrefix) || o.Key == ManifestName || strings.Contains(o.Key, ".."):
				a.add(KindEntries, "%s: names %q, which is no data object key", d.Key, o.Key)
				continue
			case seen[o.Key] != "":
				a.add(KindEntries, "%s: names %s, which %s names too", d.Key, o.Key, seen[o.Key])
			}
			seen[o.Key] = d.Key
			if o.From.Before(e.From) || o.To.After(e.To) || !o.From.Before(o.To) || o.From.Before(last) {
				a.add(KindTiling, "%s: object %s covers %s, not a part of the entry's range %s after the object before", d.Key, o.Key, o.Range(), e.Range())
			}
			last = o.To
		}
		prev = d
	}
	if a.Legacy != nil && len(a.Legacy.Files) > 0 && len(a.Entries) > 0 && a.Entries[0].Entry.Legacy == nil && decodeErrs[0] == nil {
		a.add(KindEntries, "%s: %s is not in the chain: %s does not record it", a.Entries[0].Key, ManifestName, a.Entries[0].Key)
	}
}

func prevSeq(d *DecodedEntry) int {
	n, _ := entrySeq(d.Key)
	return n
}

// checkLegacy compares manifest.json with what the first entry recorded.
func (a *Archive) checkLegacy(first *DecodedEntry) {
	l := first.Entry.Legacy
	if l == nil {
		return
	}
	switch {
	case a.Legacy == nil:
		a.add(KindEntries, "%s: records %s (%d bytes), which is missing", first.Key, l.Key, l.Bytes)
	case int64(len(a.LegacyRaw)) != l.Bytes || HashOf(a.LegacyRaw) != l.SHA256:
		a.add(KindEntries, "%s: %d bytes, %s; %s records %d bytes, %s: %s was edited", ManifestName, len(a.LegacyRaw), HashOf(a.LegacyRaw),
			first.Key, l.Bytes, l.SHA256, ManifestName)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Objects are the data objects of the archive in time order: the files
// manifest.json lists, then those of each entry.
func (a *Archive) Objects() []Object {
	var out []Object
	if a.Legacy != nil {
		for _, f := range a.Legacy.Files {
			out = append(out, Object{Key: f.Name, From: f.From, To: f.To, Count: f.Count, Bytes: f.Bytes,
				SHA256: f.SHA256, Format: f.Format, Compression: f.Compression})
		}
	}
	for _, d := range a.Entries {
		out = append(out, d.Entry.Objects...)
	}
	return out
}

// Inputs are the archive's data objects as inputs of search and count,
// each read from b as a stream when its turn comes.
func (a *Archive) Inputs(ctx context.Context, b *blob.Bucket) []readback.Input {
	objs := a.Objects()
	ins := make([]readback.Input, len(objs))
	for i, o := range objs {
		ins[i] = readback.Object(a.Location+"/"+o.Key, func() (io.ReadCloser, error) { return OpenObject(ctx, b, a.Location, o.Key) })
	}
	return ins
}

// OpenObject opens an object of the archive at location for reading; a missing one is
// os.ErrNotExist, any other failure one line naming the location.
func OpenObject(ctx context.Context, b *blob.Bucket, location, key string) (io.ReadCloser, error) {
	r, err := b.NewReader(ctx, key, nil)
	switch {
	case IsNotFound(err):
		return nil, fmt.Errorf("%s: %w", key, os.ErrNotExist)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", key, objstore.Explain(location, err))
	}
	return r, nil
}
