package export

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/objstore"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// NewRunID is a run's ID: 12 random hex digits in the names of its data
// objects, so that no two runs write the same key.
func NewRunID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// objectKey names a data object: data/audit-FROM-TO-RUNID.jsonl.gz, or
// for a codec split by day dt=YYYY-MM-DD/audit-FROM-TO-RUNID.parquet. No
// spaces or colons, so that query engines read the partitions.
func objectKey(c codec.Codec, r incremental.Range, runID string) string {
	// The name of a data file of an --out-dir, the run's ID before the
	// extension.
	name := incremental.FileName(r, "-"+runID+c.Ext)
	if c.SplitByDay {
		return "dt=" + r.From.UTC().Format("2006-01-02") + "/" + name
	}
	return "data/" + name
}

// Every object of an archive is written with objstore.Create: a
// conditional create, so that a committed object is never overwritten,
// streamed in bounded parts. gocloud.dev v0.49.0's s3blob sends
// If-None-Match: * (on the PUT, or on CompleteMultipartUpload), gcsblob
// ifGenerationMatch=0, azureblob If-None-Match: *, memblob checks under
// its lock; objstore's folders commit with a hard link, which the kernel
// refuses when the name is taken. A local folder is also locked for the
// whole run (AcquireDirLock), for the clean-up of what killed runs left.

// objectSink writes the events of one run into data objects, streaming:
// each goes up as it is written (multipart where the store uses it), and
// is committed by no one until the run's entry names it.
type objectSink struct {
	ctx      context.Context
	b        *blob.Bucket
	location string
	codec    codec.Codec
	opts     output.Options
	runID    string
	rng      incremental.Range

	cur     *objectWriter
	objects []incremental.Object
	keys    []string // every key created, committed or not
}

type objectWriter struct {
	obj incremental.Object
	w   *objstore.Object
	enc output.Writer
}

func newObjectSink(ctx context.Context, b *blob.Bucket, location string, c codec.Codec, opts output.Options, runID string, rng incremental.Range) *objectSink {
	return &objectSink{ctx: ctx, b: b, location: location, codec: c, opts: opts, runID: runID, rng: rng}
}

func (s *objectSink) open(r incremental.Range) error {
	key := objectKey(s.codec, r, s.runID)
	w, err := objstore.Create(s.ctx, s.b, key)
	if err != nil {
		return objstore.Explain(s.location, err)
	}
	s.keys = append(s.keys, key)
	enc, err := s.codec.NewWriter(w, s.opts)
	if err != nil {
		w.Abort()
		return err
	}
	s.cur = &objectWriter{obj: incremental.Object{Key: key, From: r.From.UTC(), To: r.To.UTC(), Format: s.codec.Format, Compression: s.codec.Compression},
		w: w, enc: enc}
	return nil
}

// dayRange is the part of the run's range in the UTC day of t.
func (s *objectSink) dayRange(t time.Time) incremental.Range {
	day := t.UTC().Truncate(24 * time.Hour)
	return incremental.Range{From: auditlog.Later(day, s.rng.From), To: auditlog.Earlier(day.Add(24*time.Hour), s.rng.To)}
}

func (s *objectSink) write(e *auditlog.Event) error {
	if s.cur == nil || (s.codec.SplitByDay && !e.CreatedAt.Before(s.cur.obj.To)) {
		if err := s.closeCurrent(); err != nil {
			return err
		}
		r := s.rng
		if s.codec.SplitByDay {
			r = s.dayRange(e.CreatedAt)
		}
		if err := s.open(r); err != nil {
			return err
		}
	}
	if err := s.cur.enc.Write(e); err != nil {
		return fmt.Errorf("write %s: %w", s.cur.obj.Key, err)
	}
	s.cur.obj.Count++
	return nil
}

func (s *objectSink) closeCurrent() error {
	w := s.cur
	if w == nil {
		return nil
	}
	s.cur = nil
	if err := w.enc.Close(); err != nil {
		w.w.Abort()
		return fmt.Errorf("write %s: %w", w.obj.Key, err)
	}
	size, sum, err := w.w.Commit()
	if err != nil {
		if objstore.IsExists(err) {
			return fmt.Errorf("write %s: the key is taken, and an archive never overwrites an object (two runs with one run ID?)", w.obj.Key)
		}
		return objstore.Explain(s.location, err)
	}
	w.obj.Bytes, w.obj.SHA256 = size, sum
	s.objects = append(s.objects, w.obj)
	return nil
}

// finish closes the last object. A run of a codec that is not split by
// day always has one object, empty or not: the run's objects then cover
// its range, as the files of earlier versions did.
func (s *objectSink) finish() ([]incremental.Object, error) {
	if s.cur == nil && !s.codec.SplitByDay && len(s.objects) == 0 {
		if err := s.open(s.rng); err != nil {
			return nil, err
		}
	}
	if err := s.closeCurrent(); err != nil {
		return nil, err
	}
	return s.objects, nil
}

// abort stops the upload of the open object: a store then keeps nothing
// of it (an unfinished multipart upload is not an object).
func (s *objectSink) abort() {
	if s.cur != nil {
		s.cur.w.Abort()
		s.cur = nil
	}
}

// removeLocalTemps removes, from a local archive whose lock this process
// holds, what killed writes left: temporary files of the folder store
// (.KEY.tmp-RANDOM, which listings skip) and of earlier versions. They are
// no objects of the archive.
func removeLocalTemps(dir string) {
	incremental.RemoveStaleTemps(dir, ".audit-", "."+incremental.ManifestName+".")
	incremental.RemoveStaleTemps(filepath.Join(dir, "data"), ".audit-")
	incremental.RemoveStaleTemps(filepath.Join(dir, strings.TrimSuffix(incremental.EntryPrefix, "/")), ".0")
}

var errNoBucket = errors.New("no way to open an --out-dir location was given")

// ArchiveSinceError is a --since that disagrees, with a state file, with
// where the archive continues.
type ArchiveSinceError struct {
	Location   string
	Since      time.Time
	Start, End time.Time
}

func (e *ArchiveSinceError) Error() string {
	return fmt.Sprintf("--since %s disagrees with --out-dir %s, which continues at %s (its first run started at %s): "+
		"omit --since to continue exactly where the archive ends, or use another --out-dir to export another range",
		incremental.FormatTime(e.Since), e.Location, incremental.FormatTime(e.End), incremental.FormatTime(e.Start))
}

// exportArchive is one run into an archive: continue where the archive
// ends (the first run at --since, or the oldest event), write the data
// objects, then commit the entry that names them. A state file, when
// given, records the range as pending before and as done after.
func (r *Run) exportArchive(ctx context.Context, sel adminapi.Selection) (Result, error) {
	o, a := r.o, r.arch
	var from time.Time
	fromOldest := false
	if !a.Empty() {
		end, start := a.End(), a.Start()
		// --since starts an archive. Without a state file the archive is
		// the state, and a container that repeats its first --since (often
		// a relative 30d) continues it; with one, a --since elsewhere is
		// refused as for any state.
		if s := o.Since; !s.IsZero() && !incremental.SameSecond(s, end) && !incremental.SameSecond(s, start) && (o.SinceNames == nil || !o.SinceNames(start)) {
			if o.StatePath != "" {
				return Result{}, refused(&ArchiveSinceError{Location: o.OutDir, Since: s, Start: start, End: end})
			}
			o.Notice("--since %s is for a first run: --out-dir %s continues at %s", incremental.FormatTime(s), o.OutDir, incremental.FormatTime(end))
		}
		from = auditlog.CeilSecond(end)
	} else {
		from = o.Since
		if st := r.state; st != nil && !st.Resume().IsZero() {
			// The state continues: at its end, or where a run that never
			// committed started.
			cont := st.LastEnd
			if cont.IsZero() {
				cont = st.Pending.From
			}
			if !from.IsZero() && !incremental.SameSecond(from, cont) && !incremental.SameSecond(from, st.Start) && (o.SinceNames == nil || !o.SinceNames(st.Start)) {
				return Result{}, refused(&incremental.SinceError{Path: o.StatePath, Since: from, Next: cont, Start: st.Start})
			}
			from = cont
		}
		if from.IsZero() {
			oldest, ok, err := walk.Oldest(ctx, o.Source, sel, o.Until)
			if err != nil {
				return Result{}, err
			}
			if !ok {
				o.Notice("nothing to export: no events before %s (%s)", incremental.FormatTime(o.Until), o.Filter.Describe())
				return Result{}, nil
			}
			from, fromOldest = oldest, true
		}
		from = auditlog.CeilSecond(from)
	}
	if !from.Before(o.Until) {
		if !a.Empty() {
			o.Notice("nothing new to export: the archive %s already ends at %s", o.OutDir, incremental.FormatTime(a.End()))
		} else {
			o.Notice("nothing to export: the range starts at %s, not before its end %s (now minus --lag)", incremental.FormatTime(from), incremental.FormatTime(o.Until))
		}
		return Result{}, nil
	}
	if !fromOldest && from.Before(r.start.Add(-UsualRetention)) {
		o.Warn("the range starts at %s: Authgear drops audit logs after 90–180 days and says nothing: events before %s may be gone",
			incremental.FormatTime(from), r.start.Add(-UsualRetention).UTC().Format("2006-01-02"))
	}
	wc, err := codec.ForWriting(o.Output.Format, !o.NoGzip)
	if err != nil {
		return Result{}, err
	}
	rng := incremental.Range{From: from.UTC(), To: o.Until.UTC()}
	st := r.state
	var before *incremental.Pending
	if o.StatePath != "" {
		if st == nil {
			st = &incremental.State{}
			r.state = st
		}
		before = st.Pending
		id := o.Identity
		st.Endpoint, st.Project, st.Filter = id.Endpoint, id.Project, id.Filter
		st.Format, st.Compression = wc.Format, wc.Compression
		st.OutDir, st.Out = id.Dest.Dir, id.Dest.Out
		if st.Start.IsZero() {
			st.Start = rng.From
			if !a.Empty() {
				st.Start = a.Start()
			}
		}
		st.Pending = &incremental.Pending{From: rng.From, To: rng.To, InDir: true, Format: wc.Format, Compression: wc.Compression,
			StartedAt: r.start.UTC().Truncate(time.Second)}
		if err := st.Save(o.StatePath, o.Now()); err != nil {
			return Result{}, err
		}
	}
	restore := func() {
		if st != nil {
			st.Pending = before
			if serr := st.Save(o.StatePath, o.Now()); serr != nil {
				o.Warn("%v", serr)
			}
		}
	}
	if o.Begin != nil {
		o.Begin()
	}
	runID := NewRunID()
	sink := newObjectSink(ctx, r.bucket, o.OutDir, wc, o.Output, runID, rng)
	defer sink.abort()
	objects, err := func() ([]incremental.Object, error) {
		if !wc.SplitByDay {
			if err := sink.open(rng); err != nil {
				return nil, err
			}
		}
		if err := r.walk(ctx, sel, rng, sink.write); err != nil {
			return nil, err
		}
		return sink.finish()
	}()
	if err != nil {
		restore()
		return Result{}, err
	}
	e := a.NextEntry(runID, r.start, o.Identity, rng, objects)
	head, err := incremental.CommitEntry(ctx, r.bucket, a, e, o.SignKey)
	if err != nil {
		var conflict *incremental.ConflictError
		if errors.As(err, &conflict) {
			conflict.Objects = sink.keys
		}
		restore()
		return Result{}, err
	}
	r.chmodLocal(append(sink.keys, incremental.EntryKey(e.Sequence))...)
	if st != nil {
		st.LastEnd, st.Pending = rng.To, nil
		if err := st.Save(o.StatePath, o.Now()); err != nil {
			return Result{}, err
		}
	}
	res := Result{Entry: incremental.EntryKey(e.Sequence), Head: head}
	for _, obj := range objects {
		r.events += obj.Count
		res.Written = append(res.Written, strings.TrimSuffix(o.OutDir, "/")+"/"+obj.Key)
	}
	res.Events = r.events
	return res, nil
}

// chmodLocal gives the objects of a local archive --file-mode: the folder
// store creates them with mode 0600.
func (r *Run) chmodLocal(keys ...string) {
	dir, ok := incremental.LocalDir(r.o.OutDir)
	if !ok || r.o.FileMode == 0 {
		return
	}
	for _, k := range keys {
		if err := os.Chmod(filepath.Join(dir, filepath.FromSlash(k)), r.o.FileMode); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.o.Warn("set the mode of %s: %v", k, err)
		}
	}
}
