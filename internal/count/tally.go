package count

import (
	"sort"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// tally counts events one by one, for downloads and files.
type tally struct {
	by     By
	b      bucketing
	counts map[string]int
	// first is, by day or hour, when the earliest event of each key
	// happened: keys are ordered by it, since text order is not time
	// order when an hour occurs twice (01:00+02:00 comes before
	// 01:00+01:00).
	first  map[string]time.Time
	emails map[string]seenEmail // by user

	local *LocalFilter // nil: none

	n              int
	oldest, newest time.Time
}

// seenEmail is the email address a user's events carried last.
type seenEmail struct {
	addr string
	at   time.Time
	// snapshot: from the user's own record (payload.user), which wins over
	// the recipient of a message.
	snapshot bool
}

func newTally(o Options) *tally {
	return &tally{
		by:     o.By,
		b:      o.bucketing(),
		counts: map[string]int{},
		first:  map[string]time.Time{},
		emails: map[string]seenEmail{},
		local:  o.Local,
	}
}

// addLocal counts e when it passes the local filter (see LocalFilter).
func (t *tally) addLocal(e *auditlog.Event) error {
	if t.local == nil || t.local.Match(e) {
		t.add(e)
	}
	return nil
}

// key is what e is counted under; "" when it has no user, IP or client.
func (t *tally) key(e *auditlog.Event) string {
	switch t.by {
	case ByActivity:
		return e.ActivityType
	case ByUser:
		return e.UserID
	case ByIP:
		return e.IPAddress
	case ByClient:
		return e.ClientID
	case ByDay, ByHour:
		return t.b.key(e.CreatedAt)
	}
	return "total"
}

func (t *tally) add(e *auditlog.Event) {
	t.n++
	if t.n == 1 || e.CreatedAt.Before(t.oldest) {
		t.oldest = e.CreatedAt
	}
	if t.n == 1 || e.CreatedAt.After(t.newest) {
		t.newest = e.CreatedAt
	}
	k := t.key(e)
	t.counts[k]++
	if t.by.timed() {
		if at, ok := t.first[k]; !ok || e.CreatedAt.Before(at) {
			t.first[k] = e.CreatedAt
		}
	}
	if t.by == ByUser && k != "" {
		t.noteEmail(k, e)
	}
}

// noteEmail keeps the latest email address of the user's own record in
// the user's events (payload.user.standard_attributes.email), else the
// latest address a message to the user went to.
func (t *tally) noteEmail(user string, e *auditlog.Event) {
	if len(e.Data) == 0 {
		return
	}
	r := gjson.GetManyBytes(e.Data, "payload.user.id", "payload.user.standard_attributes.email", "payload.recipient")
	var addr string
	snapshot := false
	switch {
	case r[1].Type == gjson.String && r[1].Str != "" && (!r[0].Exists() || r[0].String() == user):
		addr, snapshot = r[1].Str, true
	case r[2].Type == gjson.String && strings.Contains(r[2].Str, "@"):
		addr = r[2].Str
	default:
		return
	}
	old, ok := t.emails[user]
	if !ok || snapshot && !old.snapshot || snapshot == old.snapshot && !e.CreatedAt.Before(old.at) {
		t.emails[user] = seenEmail{addr: addr, at: e.CreatedAt, snapshot: snapshot}
	}
}

// rows are the counts in the order of the output: by day or hour in time
// order, every bucket of [from, to) included, 0 or not (none when from is
// zero); a total as one row; anything else largest first, then by key.
func (t *tally) rows(from, to time.Time) []Row {
	switch {
	case t.by == ByNone:
		return []Row{{Key: "total", Count: t.n}}
	case t.by.timed():
		return t.timeRows(from, to)
	}
	rows := make([]Row, 0, len(t.counts))
	for k, n := range t.counts {
		rows = append(rows, Row{Key: k, None: k == "", Count: n, Email: t.emails[k].addr})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Count != rows[j].Count {
			return rows[i].Count > rows[j].Count
		}
		return rows[i].Key < rows[j].Key
	})
	return rows
}

func (t *tally) timeRows(from, to time.Time) []Row {
	type timed struct {
		Row
		at time.Time
	}
	var out []timed
	seen := map[string]bool{}
	if !from.IsZero() {
		for _, bk := range t.b.buckets(from, to) {
			out = append(out, timed{Row{Key: bk.key, Count: t.counts[bk.key]}, bk.from})
			seen[bk.key] = true
		}
	}
	for k, n := range t.counts {
		if !seen[k] { // an event outside the range; only if a server sent one
			out = append(out, timed{Row{Key: k, Count: n}, t.first[k]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	rows := make([]Row, len(out))
	for i, r := range out {
		rows[i] = r.Row
	}
	return rows
}
