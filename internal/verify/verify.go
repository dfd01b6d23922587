// Package verify checks exports: an archive of entries (its chain,
// signatures, pinned head, every object's size, checksum and count), an
// --out-dir of the earlier format against its manifest, and files or
// standard input read as one export; every event in range, in order, once
// and parsable, and unless offline the counts per day against the API.
package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/readback"
)

// Counter is what verify needs from the API: the totalCount of windows,
// many at a time. *adminapi.Client satisfies it, asking for them as aliases
// of a few requests.
type Counter interface {
	Counts(ctx context.Context, sels []adminapi.Selection) ([]int, error)
}

// Options say what to compare an export with.
type Options struct {
	// Range is the range the export should cover. For a directory it comes
	// from the manifest and Range must be zero. For a file, a zero side is
	// taken from the file's own first or last event.
	Range incremental.Range
	// Selection holds the filters of the export for the API's counts; its
	// From and To are ignored.
	Selection adminapi.Selection
	// Counter is the API; nil checks offline (a directory's manifest only).
	Counter Counter
	// MaxListed bounds the problems listed per kind; 0 means 20.
	MaxListed int
}

// Problem kinds, in the order a report lists them.
const (
	KindEntries     = incremental.KindEntries
	KindSignature   = "signatures"
	KindHead        = "pinned head"
	KindMissingFile = "missing files"
	KindUnlisted    = "files not in the manifest"
	KindTiling      = incremental.KindTiling
	KindChecksum    = "checksum and size"
	KindUnparsable  = "unparsable"
	KindCount       = "counts against the manifest"
	KindOutside     = "events outside the range"
	KindOrder       = "events out of order"
	KindDuplicate   = "duplicate IDs"
	KindAPI         = "counts against the API"
)

var kindOrder = []string{KindEntries, KindSignature, KindHead, KindMissingFile, KindUnlisted, KindTiling, KindChecksum, KindUnparsable,
	KindCount, KindOutside, KindOrder, KindDuplicate, KindAPI}

// Report is the outcome of a verification.
type Report struct {
	Input  string
	Range  incremental.Range // the range checked; zero when the export holds no event and no range was given
	Files  int
	Events int64 // events read, duplicates included
	// Compared says what the counts were compared with: "API" or "" offline.
	Compared string
	// Windows is the number of API count queries made.
	Windows int
	// Manifest says that the files were checked against a manifest (an
	// --out-dir): their ranges tile and their counts are those listed.
	Manifest bool
	// NewestFirst says that a lone file was found in newest-first order
	// (as search writes it) and was checked in that order.
	NewestFirst bool

	// Archive says that it is an archive of entries: Head is the hash of
	// its last entry, Entries their number, HeadPinned that --head was
	// found in the chain.
	Archive    bool
	Head       string
	Entries    int
	HeadPinned bool

	maxListed    int
	listed       map[string][]string
	counts       map[string]int
	unreferenced []string       // keys no entry names
	signers      map[string]int // key ID -> entries it signed
	unsigned     int
	keyGiven     bool
	hashed       int // objects proven by their SHA-256 alone, not decoded
}

func newReport(input string, maxListed int) *Report {
	if maxListed <= 0 {
		maxListed = 20
	}
	return &Report{Input: input, maxListed: maxListed, listed: map[string][]string{}, counts: map[string]int{}}
}

func (r *Report) add(kind, format string, args ...any) {
	r.counts[kind]++
	if len(r.listed[kind]) < r.maxListed {
		r.listed[kind] = append(r.listed[kind], fmt.Sprintf(format, args...))
	}
}

// OK reports whether no problem was found: the export is clean, and
// complete as far as Completeness says it was checked.
func (r *Report) OK() bool { return len(r.counts) == 0 }

// Completeness says what the completeness of the export was checked
// against: "the API", "the manifest", or "" when it could not be (a lone
// file offline, or with no events and no range to count).
func (r *Report) Completeness() string {
	switch {
	case r.Compared != "":
		return "the " + r.Compared
	case r.Manifest:
		return "the manifest"
	}
	return ""
}

// ProblemCount is the number of problems found.
func (r *Report) ProblemCount() int {
	n := 0
	for _, c := range r.counts {
		n += c
	}
	return n
}

// Kinds are the problem kinds found, in report order.
func (r *Report) Kinds() []string {
	var out []string
	for _, k := range kindOrder {
		if r.counts[k] > 0 {
			out = append(out, k)
		}
	}
	return out
}

// WriteTo prints the report: one line that sums it up, then the problems
// by kind.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	rng := "no events"
	if !r.Range.From.IsZero() {
		rng = fmt.Sprintf("%s to %s", incremental.FormatTime(r.Range.From), incremental.FormatTime(r.Range.To))
	}
	files := "1 file"
	if r.Files != 1 {
		files = fmt.Sprintf("%d files", r.Files)
	}
	if r.Archive {
		files = fmt.Sprintf("%s, %s", plural(r.Entries, "entry", "entries"), plural(r.Files, "object", "objects"))
	}
	against := "offline: manifest checks only"
	switch {
	case r.Compared != "":
		against = fmt.Sprintf("against the %s (%d count queries)", r.Compared, r.Windows)
	case r.Archive:
		against = "offline: the chain, checksums and counts only"
	case !r.Manifest:
		against = "no manifest: local checks only"
	}
	order := ""
	if r.NewestFirst {
		order = ", newest first"
	}
	fmt.Fprintf(&b, "%s: %s, %s events%s, %s, %s\n", r.Input, files, output.GroupDigits(r.Events), order, rng, against)
	if r.Archive {
		r.writeChain(&b)
	}
	switch {
	case r.OK() && r.Completeness() != "":
		b.WriteString("ok: complete and clean\n")
	case r.OK():
		b.WriteString("ok: clean (every event parsable, in order, in range, once); completeness not checked: " + r.unchecked() + "\n")
	default:
		fmt.Fprintf(&b, "FAILED: %d problems\n", r.ProblemCount())
		for _, k := range r.Kinds() {
			fmt.Fprintf(&b, "%s (%d):\n", k, r.counts[k])
			for _, p := range r.listed[k] {
				fmt.Fprintf(&b, "  %s\n", p)
			}
			if more := r.counts[k] - len(r.listed[k]); more > 0 {
				fmt.Fprintf(&b, "  ... and %d more\n", more)
			}
		}
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

// unchecked says why completeness could not be checked.
func (r *Report) unchecked() string {
	if r.Range.Empty() {
		return "no events and no range to count"
	}
	return "no manifest, and offline (without --offline the API counts the events of the range)"
}

// tally holds what the reading of an export found, in constant memory but
// for one counter per hour of the range.
type tally struct {
	hours map[int64]int64 // unique in-range events by the Unix hour they start
	first time.Time       // first and last in-range event
	last  time.Time
	// The current second and the IDs seen in it: an export is in time
	// order, so duplicates can only be found among events of one second.
	sec     int64
	secSeen map[string]string // ID -> where it was first seen
	started bool
	// The order: oldest first, unless detect is set (a lone file) and the
	// first change of second goes back in time (search's newest first).
	detect  bool
	decided bool
	desc    bool
}

func newTally() *tally { return &tally{hours: map[int64]int64{}, secSeen: map[string]string{}} }

// verifyInput is one file to read.
type verifyInput struct {
	path  string
	name  string                    // as reports show it
	entry *incremental.ManifestFile // nil for a lone file
	src   *readback.Input           // read through this instead of path, when set
	// An archive's object: opened with open, decoded by codec (by its
	// format), or with random access through openAt when the codec needs it.
	open   func() (io.ReadCloser, error)
	openAt func() (io.ReaderAt, error)
	codec  *codec.Codec
	// hashOnly: an object whose entry vouches for it, decoded only when
	// its size or SHA-256 is not the entry's (see Archive).
	hashOnly bool
}

// Dir checks an --out-dir: the manifest (every listed file present,
// with its size, SHA-256 and count; ranges that tile without gaps or
// overlaps; no data file left out), every event (in its file's range, in
// time order, no duplicate ID, parsable) and, unless offline, the counts
// per day (and per hour where a day differs) against the API.
func Dir(ctx context.Context, dir string, m *incremental.Manifest, o Options) (*Report, error) {
	r := newReport(dir, o.MaxListed)
	if !o.Range.From.IsZero() || !o.Range.To.IsZero() {
		return nil, errors.New("the range of a directory comes from its manifest")
	}
	listed := map[string]bool{}
	var inputs []verifyInput
	for i := range m.Files {
		f := &m.Files[i]
		listed[f.Name] = true
		if f.Name != filepath.Base(f.Name) || f.Name == "." || f.Name == ".." {
			r.add(KindMissingFile, "%s: not a file name inside the directory", f.Name)
			continue
		}
		if !f.From.Before(f.To) {
			r.add(KindTiling, "%s: empty or reversed range %s", f.Name, f.Range())
		}
		// A name holds whole seconds; an archive of an earlier version may
		// list bounds with a fraction, named by the second they fall in.
		if rng, _, ok := incremental.ParseFileName(f.Name); ok && (!rng.From.Equal(f.From.Truncate(time.Second)) || !rng.To.Equal(f.To.Truncate(time.Second))) {
			r.add(KindTiling, "%s: the name says %s, the manifest %s", f.Name, rng, f.Range())
		}
		inputs = append(inputs, verifyInput{path: filepath.Join(dir, f.Name), name: f.Name, entry: f})
	}
	for i := 1; i < len(m.Files); i++ {
		prev, cur := m.Files[i-1], m.Files[i]
		switch {
		case incremental.SameSecond(cur.From, prev.To):
		case cur.From.After(prev.To):
			r.add(KindTiling, "gap %s between %s and %s", incremental.Range{From: prev.To, To: cur.From}, prev.Name, cur.Name)
		case cur.From.Before(prev.To):
			r.add(KindTiling, "%s and %s overlap in %s", prev.Name, cur.Name, incremental.Range{From: cur.From, To: auditlog.Earlier(prev.To, cur.To)})
		}
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	for _, de := range des {
		if incremental.IsDataFile(de.Name()) && !listed[de.Name()] {
			r.add(KindUnlisted, "%s: not in the manifest (a run was interrupted after writing it; the next export run redoes its range and lists it)", de.Name())
		}
	}
	if len(m.Files) > 0 {
		r.Range = incremental.Range{From: m.Files[0].From, To: m.Files[0].To}
		for _, f := range m.Files {
			r.Range.From = auditlog.Earlier(r.Range.From, f.From)
			r.Range.To = auditlog.Later(r.Range.To, f.To)
		}
		r.Range = incremental.Range{From: auditlog.CeilSecond(r.Range.From), To: auditlog.CeilSecond(r.Range.To)}
	}
	r.Manifest = true
	return r, verify(ctx, r, inputs, o, false)
}

// Inputs checks files read one after another as one export: a lone file,
// standard input, several --input files, or the files of a folder without
// a manifest. Every event must be parsable and in the range, in one time
// order across them, each ID once in all of them; unless offline, the
// counts per day (and per hour where a day differs) are compared with the
// API. A zero side of o.Range is taken from the first or last event. name
// is the report's.
func Inputs(ctx context.Context, name string, ins []readback.Input, o Options) (*Report, error) {
	r := newReport(name, o.MaxListed)
	r.Range = o.Range
	inputs := make([]verifyInput, len(ins))
	for i := range ins {
		inputs[i] = verifyInput{name: ins[i].Name, src: &ins[i]}
		if !ins[i].IsStdin() {
			inputs[i].name = filepath.Base(ins[i].Name)
		}
	}
	return r, verify(ctx, r, inputs, o, true)
}

// verify reads the inputs and compares their counts with the API. A lone
// file (derive) takes its missing range sides from its own events and may
// be newest first; the files of a directory are oldest first.
func verify(ctx context.Context, r *Report, inputs []verifyInput, o Options, derive bool) error {
	t := newTally()
	t.detect = derive
	defer func() { r.NewestFirst = t.desc }()
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return err
		}
		r.Files++
		if err := readOne(r, t, in); err != nil {
			return err
		}
	}
	if derive {
		if r.Range.From.IsZero() && !t.first.IsZero() {
			r.Range.From = t.first.Truncate(time.Second)
		}
		if r.Range.To.IsZero() && !t.last.IsZero() {
			r.Range.To = t.last.Truncate(time.Second).Add(time.Second)
		}
		if r.Range.From.IsZero() || r.Range.To.IsZero() {
			// An empty file and no range: nothing to compare with.
			return nil
		}
	}
	if o.Counter == nil || r.Range.Empty() {
		return nil
	}
	r.Compared = "API"
	return compareAPI(ctx, r, t, o)
}

// hashingReader hashes and counts what is read through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// events decodes an input's events. Streamed formats read hr itself; a
// format that needs random access is read through openAt after hr has
// been read whole for the checksum.
func (in verifyInput) events(hr *hashingReader) (codec.EventReader, error) {
	switch {
	case in.codec == nil:
		rd, err := codec.NewReader(in.name, hr)
		if err != nil {
			return nil, err
		}
		return rd, nil
	case in.codec.NewReaderAt == nil:
		return in.codec.NewReader(in.name, hr)
	}
	if _, err := io.Copy(io.Discard, hr); err != nil {
		return nil, fmt.Errorf("%s: %w", in.name, err)
	}
	ra, err := in.openAt()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.name, err)
	}
	return in.codec.NewReaderAt(in.name, ra, hr.n)
}

func readOne(r *Report, t *tally, in verifyInput) error {
	if in.hashOnly && in.hashMatches() {
		r.Events += in.entry.Count
		r.hashed++
		return nil
	}
	var (
		f   io.ReadCloser
		err error
	)
	switch {
	case in.open != nil:
		f, err = in.open()
	case in.src != nil:
		f, err = in.src.OpenRaw()
	default:
		f, err = os.Open(in.path)
	}
	if errors.Is(err, os.ErrNotExist) {
		r.add(KindMissingFile, "%s: missing", in.name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", in.name, err)
	}
	defer f.Close()
	hr := &hashingReader{r: f, h: sha256.New()}
	rd, err := in.events(hr)
	if rd != nil {
		defer rd.Close()
	}
	var count int64
	fileRange := r.Range
	if in.entry != nil {
		fileRange = in.entry.Range()
	}
	if err != nil {
		r.add(KindUnparsable, "%s", err)
	} else {
		for {
			e, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.add(KindUnparsable, "%s (reading stopped there)", err)
				break
			}
			count++
			r.Events++
			t.see(r, in.name, count, e, fileRange, r.Range)
		}
	}
	// Read what the reader left, so the checksum covers the whole file.
	if _, err := io.Copy(io.Discard, hr); err != nil {
		return fmt.Errorf("read %s: %w", in.name, err)
	}
	if in.entry != nil {
		sum := hex.EncodeToString(hr.h.Sum(nil))
		switch {
		case hr.n != in.entry.Bytes:
			r.add(KindChecksum, "%s: %d bytes, the manifest says %d", in.name, hr.n, in.entry.Bytes)
		case !strings.EqualFold(sum, in.entry.SHA256):
			r.add(KindChecksum, "%s: SHA-256 %s, the manifest says %s", in.name, sum, in.entry.SHA256)
		}
		if count != in.entry.Count {
			r.add(KindCount, "%s: %d events, the manifest says %d", in.name, count, in.entry.Count)
		}
	}
	return nil
}

// hashMatches reports whether the input's size and SHA-256 are its
// entry's, reading it as one stream. Any failure is false: the input is
// then read again, decoded, and the report says what is wrong.
func (in verifyInput) hashMatches() bool {
	f, err := in.open()
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, make([]byte, 256<<10))
	return err == nil && n == in.entry.Bytes && strings.EqualFold(hex.EncodeToString(h.Sum(nil)), in.entry.SHA256)
}

// see checks one event, the n-th of file name.
func (t *tally) see(r *Report, name string, n int64, e *auditlog.Event, fileRange, all incremental.Range) {
	at := e.CreatedAt.UTC()
	where := fmt.Sprintf("%s: event %d", name, n)
	if outside(at, fileRange) || outside(at, all) {
		rng := fileRange
		if !outside(at, fileRange) {
			rng = all
		}
		if !rng.From.IsZero() && at.Before(rng.From) {
			r.add(KindOutside, "%s: %s at %s is before the start of the range %s", where, e.ID, incremental.FormatTime(at), rng)
		} else {
			r.add(KindOutside, "%s: %s at %s is not before the end of the range %s", where, e.ID, incremental.FormatTime(at), rng)
		}
		return
	}
	sec := at.Unix()
	if t.started && sec != t.sec && t.detect && !t.decided {
		t.decided = true
		t.desc = sec < t.sec
	}
	forward := sec > t.sec
	if t.desc {
		forward = sec < t.sec
	}
	switch {
	case !t.started || forward:
		t.started = true
		t.sec = sec
		clear(t.secSeen)
	case sec != t.sec:
		order := ""
		if t.desc {
			order = " (the file is newest first)"
		}
		r.add(KindOrder, "%s: %s at %s comes after an event at %s%s", where, e.ID, incremental.FormatTime(at), incremental.FormatTime(time.Unix(t.sec, 0)), order)
	}
	if sec == t.sec {
		if prev, dup := t.secSeen[e.ID]; dup {
			r.add(KindDuplicate, "%s: %s at %s again (first as %s)", where, e.ID, incremental.FormatTime(at), prev)
			return
		}
		t.secSeen[e.ID] = where
	}
	t.hours[hourOf(at)]++
	if t.first.IsZero() || at.Before(t.first) {
		t.first = at
	}
	if at.After(t.last) {
		t.last = at
	}
}

func outside(at time.Time, r incremental.Range) bool {
	return (!r.From.IsZero() && at.Before(r.From)) || (!r.To.IsZero() && !at.Before(r.To))
}

func hourOf(t time.Time) int64 { return t.Unix() / 3600 * 3600 }

// window is one count comparison.
type window struct {
	incremental.Range
	file int64
	api  int
}

// compareAPI compares per-day counts with the API, then per-hour counts
// within the days that differ: a day that matches costs one query.
func compareAPI(ctx context.Context, r *Report, t *tally, o Options) error {
	days := split(r.Range, 24*time.Hour)
	if err := count(ctx, r, t, o, days); err != nil {
		return err
	}
	var hours []window
	for _, d := range days {
		if int64(d.api) != d.file {
			hours = append(hours, split(d.Range, time.Hour)...)
		}
	}
	if err := count(ctx, r, t, o, hours); err != nil {
		return err
	}
	for _, h := range hours {
		if int64(h.api) == h.file {
			continue
		}
		diff := int64(h.api) - h.file
		what := fmt.Sprintf("%d missing", diff)
		if diff < 0 {
			what = fmt.Sprintf("%d extra", -diff)
		}
		label := h.From.UTC().Format("2006-01-02T15:04Z")
		if !h.From.Equal(h.From.Truncate(time.Hour)) || !h.To.Equal(h.From.Add(time.Hour)) {
			label = h.Range.String()
		}
		r.add(KindAPI, "%s: file %d, API %d (%s)", label, h.file, h.api, what)
	}
	return nil
}

// split cuts r at multiples of step (UTC) and fills nothing else.
func split(r incremental.Range, step time.Duration) []window {
	var out []window
	for from := r.From; from.Before(r.To); {
		to := from.Truncate(step).Add(step)
		if to.After(r.To) {
			to = r.To
		}
		out = append(out, window{Range: incremental.Range{From: from, To: to}})
		from = to
	}
	return out
}

// count fills the file and API counts of ws; the API's go out together.
func count(ctx context.Context, r *Report, t *tally, o Options, ws []window) error {
	sels := make([]adminapi.Selection, len(ws))
	for i := range ws {
		for h := hourOf(ws[i].From); h < ws[i].To.Unix(); h += 3600 {
			ws[i].file += t.hours[h]
		}
		sels[i] = o.Selection
		sels[i].From, sels[i].To = ws[i].From, ws[i].To
	}
	if len(ws) == 0 {
		return nil
	}
	counts, err := o.Counter.Counts(ctx, sels)
	if err != nil {
		return fmt.Errorf("count events in %s: %w", incremental.Range{From: ws[0].From, To: ws[len(ws)-1].To}, err)
	}
	if len(counts) != len(ws) {
		return fmt.Errorf("count events: %d counts for %d windows", len(counts), len(ws))
	}
	for i := range ws {
		ws[i].api = counts[i]
	}
	r.Windows += len(ws)
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return output.GroupDigits(int64(n)) + " " + many
}

// writeChain prints the head, who signed, and the objects no entry names.
func (r *Report) writeChain(b *strings.Builder) {
	switch {
	case r.Head == "":
		b.WriteString("head: none (no entries yet)\n")
	case r.HeadPinned:
		fmt.Fprintf(b, "head: %s (the pinned head is in the chain)\n", r.Head)
	default:
		fmt.Fprintf(b, "head: %s\n", r.Head)
	}
	if len(r.signers) > 0 {
		var parts []string
		for k, n := range r.signers {
			parts = append(parts, fmt.Sprintf("%s by key %s", plural(n, "entry", "entries"), k))
		}
		sort.Strings(parts)
		how := "proven with --verify-key"
		if !r.keyGiven {
			how = "each valid for the key it names; give --verify-key to prove who signed"
		}
		unsigned := ""
		if r.unsigned > 0 {
			unsigned = fmt.Sprintf(", %s unsigned", plural(r.unsigned, "entry", "entries"))
		}
		fmt.Fprintf(b, "signed: %s%s (%s)\n", strings.Join(parts, ", "), unsigned, how)
	}
	if r.hashed > 0 {
		fmt.Fprintf(b, "hashed: %s proven by size and SHA-256 against entries that vouch for them (signed, or chained to the pinned head), not decoded; --deep decodes them too\n",
			plural(r.hashed, "object", "objects"))
	}
	if n := len(r.unreferenced); n > 0 {
		fmt.Fprintf(b, "note: %s that no entry names (left by a killed run or one that lost its commit; nothing reads them):\n", plural(n, "object", "objects"))
		for i, k := range r.unreferenced {
			if i == r.maxListed {
				fmt.Fprintf(b, "  ... and %d more\n", n-i)
				break
			}
			fmt.Fprintf(b, "  %s\n", k)
		}
	}
}
