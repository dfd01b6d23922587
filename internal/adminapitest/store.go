package adminapitest

import (
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
)

// Event is one stored audit event, as the server's table holds it.
//
// CreatedAt is truncated to whole seconds when the event is added. Data is
// the event object (data.id, data.seq, data.type, data.payload,
// data.context) and is returned verbatim as the AuditLog's data. UserID is
// data.context.user_id and Recipient data.payload.recipient ("" if none).
type Event struct {
	ID           string
	Seq          int64
	CreatedAt    time.Time
	ActivityType string // enum name, USER_AUTHENTICATED
	UserID       string
	Recipient    string
	IPAddress    string
	UserAgent    string
	ClientID     string
	Data         json.RawMessage
}

// User is a user of the project. A user that is not stored (never added, or
// deleted) makes AuditLog.user null while data.context.user_id still names it.
type User struct {
	ID       string // raw user ID
	Email    string
	Phone    string // E.164
	Username string
}

// nodeID encodes a Relay node ID the way Authgear does.
func nodeID(typename, raw string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typename + ":" + raw))
}

// parseNodeID decodes a node ID into its type name and raw ID.
func parseNodeID(id string) (typename, raw string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", "", false
	}
	typename, raw, ok = strings.Cut(string(b), ":")
	if !ok || raw == "" {
		return "", "", false
	}
	return typename, raw, true
}

// UserNodeID returns the node ID of a raw user ID.
func UserNodeID(raw string) string { return nodeID("User", raw) }

// AuditLogNodeID returns the node ID of a raw event ID.
func AuditLogNodeID(raw string) string { return nodeID("AuditLog", raw) }

// eventLess orders events by (createdAt, seq): the stored order. The API
// itself orders by createdAt only.
func eventLess(a, b *Event) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Before(b.CreatedAt)
	}
	return a.Seq < b.Seq
}

// filter is a resolved selection: what a query's arguments select.
type filter struct {
	from, to   time.Time // zero = open; from inclusive, to exclusive
	types      map[string]bool
	users      map[string]bool // raw user IDs
	recipients map[string]bool // email addresses and phone numbers
	known      map[string]bool // when set, only these types exist
}

func (f *filter) narrows() bool {
	return len(f.types) > 0 || len(f.users) > 0 || len(f.recipients) > 0
}

func (f *filter) match(e *Event) bool {
	if len(f.types) > 0 && !f.types[e.ActivityType] {
		return false
	}
	if f.known != nil && !f.known[e.ActivityType] {
		return false
	}
	if len(f.users) == 0 && len(f.recipients) == 0 {
		return true
	}
	if e.UserID != "" && f.users[e.UserID] {
		return true
	}
	return e.Recipient != "" && f.recipients[e.Recipient]
}

// bounds returns the index range [lo, hi) of events inside f's time range.
// The caller holds the read lock.
func (s *Server) bounds(f *filter) (int, int) {
	lo, hi := 0, len(s.events)
	if !f.from.IsZero() {
		lo = sort.Search(len(s.events), func(i int) bool { return !s.events[i].CreatedAt.Before(f.from) })
	}
	if !f.to.IsZero() {
		hi = sort.Search(len(s.events), func(i int) bool { return !s.events[i].CreatedAt.Before(f.to) })
	}
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

// ordered is the list of events a query selects, in (createdAt, seq) order
// or its reverse, without materialising it when no filter narrows it.
type ordered struct {
	s       *Server
	lo, n   int
	idx     []int // matching indexes when filtered, ascending
	reverse bool
	hidden  int // matching events never returned (Server.Hide)
}

// selectOrdered lists what f selects; serving leaves hidden events out.
func (s *Server) selectOrdered(f *filter, desc, serving bool) ordered {
	lo, hi := s.bounds(f)
	o := ordered{s: s, lo: lo, n: hi - lo, reverse: desc}
	if s.foreign > 0 {
		// Types outside the enum share the table but are never returned.
		f.known = s.knownTypes
	}
	hide := serving && len(s.hidden) > 0
	if f.narrows() || f.known != nil || hide {
		o.idx = []int{}
		for i := lo; i < hi; i++ {
			if !f.match(&s.events[i]) {
				continue
			}
			if hide && s.hidden[s.events[i].ID] {
				o.hidden++
				continue
			}
			o.idx = append(o.idx, i)
		}
		o.n = len(o.idx)
	}
	return o
}

// at returns the event at position p of the ordered list.
func (o *ordered) at(p int) *Event {
	if o.reverse {
		p = o.n - 1 - p
	}
	return o.asc(p)
}

// asc returns the event at position p in ascending order, whatever the
// direction of the list.
func (o *ordered) asc(p int) *Event {
	if o.idx != nil {
		return &o.s.events[o.idx[p]]
	}
	return &o.s.events[o.lo+p]
}

// window returns copies of the events at positions [start, end) as a
// database without a tiebreaker would: every group of events that share a
// second and overlap the window is put in a fresh random order first, so a
// tie that straddles the window's edge can come back differently on the
// next request; rng decides the order. With stable set, ties keep (seq)
// order.
func (o *ordered) window(start, end int, rng *rand.Rand, stable bool) []Event {
	if start >= end {
		return nil
	}
	a, b := start, end
	if !stable {
		for a > 0 && o.at(a-1).CreatedAt.Equal(o.at(start).CreatedAt) {
			a--
		}
		for b < o.n && o.at(b).CreatedAt.Equal(o.at(end-1).CreatedAt) {
			b++
		}
	}
	ext := make([]*Event, 0, b-a)
	for p := a; p < b; p++ {
		ext = append(ext, o.at(p))
	}
	if !stable {
		for i := 0; i < len(ext); {
			j := i + 1
			for j < len(ext) && ext[j].CreatedAt.Equal(ext[i].CreatedAt) {
				j++
			}
			if j-i > 1 {
				g := ext[i:j]
				rng.Shuffle(len(g), func(x, y int) { g[x], g[y] = g[y], g[x] })
			}
			i = j
		}
	}
	out := make([]Event, 0, end-start)
	for _, e := range ext[start-a : end-a] {
		out = append(out, *e)
	}
	return out
}

// Add stores events, keeping the table ordered by (createdAt, seq).
// createdAt is truncated to whole seconds and made UTC. Add is safe while
// requests are being served.
func (s *Server) Add(events ...Event) {
	if len(events) == 0 {
		return
	}
	in := make([]Event, len(events))
	foreign := 0
	for i, e := range events {
		e.CreatedAt = e.CreatedAt.Truncate(time.Second).UTC()
		in[i] = e
		if !s.knownTypes[e.ActivityType] {
			foreign++
		}
	}
	cmp := func(a, b Event) int {
		switch {
		case eventLess(&a, &b):
			return -1
		case eventLess(&b, &a):
			return 1
		}
		return 0
	}
	if !slices.IsSortedFunc(in, cmp) {
		slices.SortStableFunc(in, cmp)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.foreign += foreign
	if s.byID == nil {
		s.byID = make(map[string]int32, len(in))
	}
	n := len(s.events)
	if n == 0 {
		s.events = in
		for i := range in {
			s.byID[in[i].ID] = int32(i)
		}
		return
	}
	if !eventLess(&in[0], &s.events[n-1]) {
		// The common case: new events are the newest.
		s.events = append(s.events, in...)
		for i := range in {
			s.byID[in[i].ID] = int32(n + i)
		}
		return
	}
	merged := make([]Event, 0, n+len(in))
	i, j := 0, 0
	for i < n || j < len(in) {
		if j == len(in) || (i < n && !eventLess(&in[j], &s.events[i])) {
			merged = append(merged, s.events[i])
			i++
		} else {
			merged = append(merged, in[j])
			j++
		}
	}
	s.events = merged
	for k := range s.events {
		s.byID[s.events[k].ID] = int32(k)
	}
}

// Events returns a copy of every stored event, oldest first (ties by seq).
func (s *Server) Events() []Event {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.events)
}

// Len returns how many events are stored.
func (s *Server) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.events)
}

// AddUsers stores users (replacing those with the same ID).
func (s *Server) AddUsers(users ...User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users == nil {
		s.users = make(map[string]User, len(users))
	}
	for _, u := range users {
		s.users[u.ID] = u
	}
}

// DeleteUser removes a user: their events stay, with a null user.
func (s *Server) DeleteUser(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, id)
}

// Select returns the reference answer for a selection: every stored event
// it matches (after the retention limit, like the server), oldest first,
// ties by seq. Tests compare what a client fetched with it.
func (s *Server) Select(sel adminapi.Selection) []Event {
	f := &filter{from: sel.From, to: sel.To}
	if !f.from.IsZero() {
		f.from = f.from.UTC()
	}
	if !f.to.IsZero() {
		f.to = f.to.UTC()
	}
	f.types = set(sel.ActivityTypes)
	for _, id := range sel.UserIDs {
		if typename, raw, ok := parseNodeID(id); ok && typename == "User" {
			if f.users == nil {
				f.users = map[string]bool{}
			}
			f.users[raw] = true
		}
	}
	if len(sel.EmailAddresses)+len(sel.PhoneNumbers) > 0 {
		f.recipients = set(append(slices.Clone(sel.EmailAddresses), sel.PhoneNumbers...))
	}
	s.applyRetention(f)
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.selectOrdered(f, false, false)
	out := make([]Event, o.n)
	for p := range o.n {
		out[p] = *o.at(p)
	}
	return out
}

// applyRetention raises f.from to now minus the retrieval limit.
func (s *Server) applyRetention(f *filter) {
	days := s.retrievalDays.Load()
	if days <= 0 {
		return
	}
	min := s.now().UTC().Add(-time.Duration(days) * 24 * time.Hour)
	if f.from.IsZero() || f.from.Before(min) {
		f.from = min
	}
}

func set(vals []string) map[string]bool {
	if len(vals) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[v] = true
	}
	return m
}
