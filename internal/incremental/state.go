// Package incremental holds what lets an export continue where the last
// one ended: the state file that says where the next run starts, the locks
// that keep two runs apart, the names of the data files of an --out-dir,
// the manifest.json of earlier versions, and the archive: the entries
// under manifest/ that form a hash chain, their signatures, and their
// conditional commits, of which exactly one of two racing runs wins.
package incremental

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// StateVersion is the version of the state file format this code writes.
const StateVersion = 1

// Filter is the part of a filter that decides which events an incremental
// export holds: activity types (enum names), users, and the filters the
// API lacks, as given, normalised. The time range is not part of it: that
// is what the state advances. A state or manifest written before the
// local filters existed has none, which is what it selected.
type Filter struct {
	ActivityTypes []string `json:"activityTypes,omitempty"`
	// Users are "id:<raw user id>", "email:<address>" or "phone:<E.164>",
	// sorted and unique: a node ID and the raw ID it encodes are the same user.
	Users []string `json:"users,omitempty"`
	// IPs are the --ip addresses and CIDR blocks (203.0.113.0/24), Clients
	// the --client IDs and Countries the --country codes (upper case), each
	// sorted and unique.
	IPs       []string `json:"ips,omitempty"`
	Clients   []string `json:"clients,omitempty"`
	Countries []string `json:"countries,omitempty"`
}

// FilterOf normalises the filter of a run.
func FilterOf(f auditlog.Filter) Filter {
	var out Filter
	out.ActivityTypes = sortedUnique(f.ActivityTypes)
	var users []string
	for _, u := range f.Users {
		users = append(users, UserKey(u))
	}
	out.Users = sortedUnique(users)
	var ips []string
	for _, p := range f.IPs {
		ips = append(ips, auditlog.FormatIPFilter(p))
	}
	out.IPs = sortedUnique(ips)
	out.Clients = sortedUnique(f.Clients)
	out.Countries = sortedUnique(f.Countries)
	return out
}

// HasLocal reports whether the filter holds one that the API lacks (--ip,
// --client, --country): the API cannot count what such an export holds.
func (f Filter) HasLocal() bool {
	return len(f.IPs) > 0 || len(f.Clients) > 0 || len(f.Countries) > 0
}

// UserKey is the normalised form of one --user value.
func UserKey(u auditlog.UserRef) string {
	switch u.Kind {
	case auditlog.UserEmail:
		return "email:" + strings.ToLower(u.Value)
	case auditlog.UserPhone:
		return "phone:" + u.Value
	default:
		return "id:" + u.RawID
	}
}

// UserArg turns a normalised user key back into a --user value.
func UserArg(key string) string {
	_, v, ok := strings.Cut(key, ":")
	if !ok {
		return key
	}
	return v
}

func sortedUnique(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := append([]string(nil), in...)
	sort.Strings(out)
	return slices.Compact(out)
}

// Equal reports whether two filters select the same events.
func (f Filter) Equal(g Filter) bool {
	return len(filterDiffs(f, g)) == 0
}

func describeList(l []string, none string) string {
	if len(l) == 0 {
		return none
	}
	if len(l) > 6 {
		return strings.Join(l[:6], ", ") + fmt.Sprintf(" and %d more", len(l)-6)
	}
	return strings.Join(l, ", ")
}

// Range is a time range [From, To), whole seconds, UTC.
type Range struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// String is "[2026-11-25T10:00:00Z, 2026-11-26T00:00:00Z)"; a side that
// is not set is "open".
func (r Range) String() string {
	side := func(t time.Time) string {
		if t.IsZero() {
			return "open"
		}
		return FormatTime(t)
	}
	return fmt.Sprintf("[%s, %s)", side(r.From), side(r.To))
}

// Empty reports whether the range holds no second.
func (r Range) Empty() bool { return !r.From.Before(r.To) }

// Pending is a range a run set out to export and has not recorded as done.
type Pending struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// File is where the range goes: a base name inside the --out-dir (InDir),
	// the --out path, or "-" for stdout.
	File  string `json:"file"`
	InDir bool   `json:"inDir,omitempty"`
	// Format and Compression of that file ("gzip" or "").
	Format      string `json:"format"`
	Compression string `json:"compression,omitempty"`
	// StartedAt is when the run that planned it started.
	StartedAt time.Time `json:"startedAt"`
}

// Range is the pending range.
func (p *Pending) Range() Range { return Range{From: p.From, To: p.To} }

// State is the state file of incremental exports.
type State struct {
	Version  int    `json:"version"`
	Endpoint string `json:"endpoint"`
	Project  string `json:"project"`
	Filter   Filter `json:"filter"`
	// Format and Compression of the last run's output.
	Format      string `json:"format"`
	Compression string `json:"compression,omitempty"`
	// OutDir is the --out-dir of the runs (absolute), if they use one; Out
	// is the --out of the last run otherwise (absolute, or "-" for
	// stdout). A state without either was written by an earlier version:
	// its next run records its destination.
	OutDir string `json:"outDir,omitempty"`
	Out    string `json:"out,omitempty"`
	// Start is where the first run started. A --since equal to it is
	// accepted on later runs, so a cron line may keep it.
	Start time.Time `json:"start,omitzero"`
	// LastEnd is the exclusive end of the last range exported and recorded;
	// the next run starts exactly here. Zero before the first success.
	LastEnd time.Time `json:"lastEnd,omitzero"`
	// Pending is the range a run planned and has not finished, if any.
	Pending   *Pending  `json:"pending,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// LoadState reads a state file. A missing file is no error: it returns nil.
func LoadState(path string) (*State, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state file %s: %w", path, err)
	}
	var s State
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("state file %s is not valid JSON (%v): restore it from a backup, or start a new state file", path, err)
	}
	switch {
	case s.Version > StateVersion:
		return nil, fmt.Errorf("state file %s has version %d, newer than this authgear-audit understands (%d): upgrade authgear-audit", path, s.Version, StateVersion)
	case s.Version < 1:
		return nil, fmt.Errorf("state file %s has no version: it was not written by authgear-audit export", path)
	}
	if s.Pending != nil && !s.Pending.From.Before(s.Pending.To) {
		return nil, fmt.Errorf("state file %s: pending range %s is empty or reversed: the file was edited; restore it or start a new state file", path, s.Pending.Range())
	}
	return &s, nil
}

// Save writes the state atomically with mode 0600.
func (s *State) Save(path string, now time.Time) error {
	s.Version = StateVersion
	s.UpdatedAt = now.UTC().Truncate(time.Second)
	raw, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	raw = append(raw, '\n')
	if err := safefile.WriteFile(path, raw, 0o600); err != nil {
		return fmt.Errorf("save state file: %w", err)
	}
	return nil
}

// Identity is what a state belongs to: the same endpoint, project,
// filters and destination, or another export altogether.
type Identity struct {
	Endpoint string
	Project  string
	Filter   Filter
	Dest     Destination
}

// Destination is where the runs of a state write: one --out-dir, or files
// and stdout (--out). Every run of an --out-dir must write there, or the
// directory would miss the ranges written elsewhere; the runs of --out may
// name a new file each time, each holding its own range.
type Destination struct {
	Dir string // --out-dir, absolute; "" for --out
	Out string // --out, absolute, or "-" for stdout; "" for --out-dir
}

// DestinationOf is the destination of a run with --out-dir dir (or "")
// and --out out.
func DestinationOf(dir, out string) (Destination, error) {
	abs := func(p string) (string, error) {
		a, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", p, err)
		}
		return a, nil
	}
	var err error
	var d Destination
	switch {
	case dir != "":
		if local, ok := LocalDir(dir); ok {
			d.Dir, err = abs(local)
		} else {
			d.Dir = dir // a bucket's URL
		}
	case out == "-":
		d.Out = out
	default:
		d.Out, err = abs(out)
	}
	return d, err
}

func (d Destination) String() string {
	switch {
	case d.Dir != "":
		return "--out-dir " + d.Dir
	case d.Out == "-":
		return "stdout"
	}
	return "--out " + d.Out
}

// Destination is where the state's runs wrote; zero when the state does
// not say (an earlier version wrote it).
func (s *State) Destination() Destination { return Destination{Dir: s.OutDir, Out: s.Out} }

// destinationDiff describes a change of destination that would leave a
// gap: into or out of an --out-dir, or from one --out-dir to another.
func destinationDiff(was, now Destination) string {
	switch {
	case was == Destination{}:
		return "" // not recorded: taken as it comes, and recorded
	case was.Dir == "" && now.Dir == "":
		return "" // one file or stdout per run
	case was.Dir == now.Dir || (!strings.Contains(was.Dir, "://") && filepath.Clean(was.Dir) == filepath.Clean(now.Dir)):
		return ""
	}
	return fmt.Sprintf("it was used with %s, now with %s (the events before it ended are there, not here)", was, now)
}

// MismatchError says that a state file belongs to another export.
type MismatchError struct {
	Path  string
	Diffs []string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("state file %s belongs to a different export: %s; run with the same endpoint, project, filters and destination, or use a new state file (and a new --out-dir) for this one",
		e.Path, strings.Join(e.Diffs, "; "))
}

// NormalizeEndpoint is the endpoint as compared between runs.
func NormalizeEndpoint(s string) string { return strings.TrimRight(strings.TrimSpace(s), "/") }

// Check compares the state with the identity of this run and lists every
// difference.
func (s *State) Check(path string, id Identity) error {
	var diffs []string
	if NormalizeEndpoint(s.Endpoint) != NormalizeEndpoint(id.Endpoint) {
		diffs = append(diffs, fmt.Sprintf("endpoint was %s, now %s", s.Endpoint, id.Endpoint))
	}
	if s.Project != id.Project {
		diffs = append(diffs, fmt.Sprintf("project was %q, now %q", s.Project, id.Project))
	}
	diffs = append(diffs, filterDiffs(s.Filter, id.Filter)...)
	if d := destinationDiff(s.Destination(), id.Dest); d != "" {
		diffs = append(diffs, d)
	}
	if len(diffs) > 0 {
		return &MismatchError{Path: path, Diffs: diffs}
	}
	return nil
}

func filterDiffs(was, now Filter) []string {
	var diffs []string
	if !slices.Equal(was.ActivityTypes, now.ActivityTypes) {
		diffs = append(diffs, fmt.Sprintf("--activity was %s, now %s",
			describeList(was.ActivityTypes, "all types"), describeList(now.ActivityTypes, "all types")))
	}
	for _, l := range []struct {
		flag     string
		was, now []string
	}{
		{"--user", was.Users, now.Users},
		{"--ip", was.IPs, now.IPs},
		{"--client", was.Clients, now.Clients},
		{"--country", was.Countries, now.Countries},
	} {
		if !slices.Equal(l.was, l.now) {
			diffs = append(diffs, fmt.Sprintf("%s was %s, now %s", l.flag, describeList(l.was, "none"), describeList(l.now, "none")))
		}
	}
	return diffs
}

// SinceError is a --since that disagrees with where the state continues.
type SinceError struct {
	Path  string
	Since time.Time
	Next  time.Time // where the state continues
	Start time.Time // where the first run started
}

func (e *SinceError) Error() string {
	msg := fmt.Sprintf("--since %s disagrees with state file %s, which continues at %s",
		FormatTime(e.Since), e.Path, FormatTime(e.Next))
	if !e.Start.IsZero() {
		msg += fmt.Sprintf(" (its first run started at %s)", FormatTime(e.Start))
	}
	return msg + ": omit --since to continue exactly where the last run ended, or use a new state file to export another range"
}

// FormatTime is a time as messages show it: RFC 3339 in UTC, with a
// fraction of a second only when there is one (a bound written by an
// earlier version).
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Plan is what one run does: first redo a pending range, then export the
// new range, either of which may be absent.
type Plan struct {
	Redo *Pending
	Next *Range
}

// PlanRun decides the ranges of a run from the state (nil on the first run),
// --since (zero when absent: the caller then supplies the oldest event's
// time on a first run) and the run's end, until.
//
// A first run starts at since. A later run starts exactly at the state's
// lastEnd (or the pending range's end, after redoing it); a --since that is
// neither there nor the first run's start is refused with *SinceError.
func PlanRun(path string, st *State, since, until time.Time) (Plan, error) {
	var p Plan
	var next time.Time
	switch {
	case st == nil || (st.LastEnd.IsZero() && st.Pending == nil):
		next = since
	default:
		cont := st.LastEnd
		if st.Pending != nil {
			p.Redo = st.Pending
			if cont.IsZero() {
				cont = st.Pending.From
			}
			next = st.Pending.To
		} else {
			next = st.LastEnd
		}
		if !since.IsZero() && !SameSecond(since, cont) && !SameSecond(since, st.Start) {
			return Plan{}, &SinceError{Path: path, Since: since, Next: cont, Start: st.Start}
		}
	}
	// Bounds are whole seconds. A state written by an earlier version may
	// hold a fraction; the second it rounds up to selects the same events.
	next = auditlog.CeilSecond(next)
	if !next.IsZero() && next.Before(until) {
		p.Next = &Range{From: next.UTC(), To: until.UTC()}
	}
	return p, nil
}

// SameSecond reports whether two bounds select the same events: createdAt
// is whole seconds, so a bound with a fraction is the next whole second.
func SameSecond(a, b time.Time) bool {
	return auditlog.CeilSecond(a).Equal(auditlog.CeilSecond(b))
}

// Resume is where the state continues: the pending range's start if there
// is one, else lastEnd; zero for a state that never ran.
func (s *State) Resume() time.Time {
	if s == nil {
		return time.Time{}
	}
	if s.Pending != nil {
		return s.Pending.From
	}
	return s.LastEnd
}

// LocalDir is the folder of a location that is one on this machine: a
// plain path or a file:// URL.
func LocalDir(location string) (string, bool) {
	if !strings.Contains(location, "://") {
		return location, true
	}
	u, err := url.Parse(location)
	if err != nil || u.Scheme != "file" {
		return "", false
	}
	return filepath.FromSlash(u.Path), true
}
