package auditlog

import (
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// Paths inside Event.Data that local filtering reads.
const (
	pathRecipient   = "payload.recipient"
	pathUser        = "payload.user"
	pathContextUser = "context.user_id"
)

// Matcher is a Filter prepared for testing many events: set lookups instead
// of scans. A Matcher is safe for concurrent use.
type Matcher struct {
	types        map[string]struct{} // nil: every type
	since, until time.Time
	users        bool                // the filter names users
	ids          map[string]struct{} // raw user IDs
	emails       map[string]struct{} // lower case
	phones       map[string]struct{} // E.164
	local        *LocalMatcher       // nil: no local filters
}

// Compile prepares f for Match. Later changes to f do not affect the
// Matcher.
func (f Filter) Compile() *Matcher {
	m := &Matcher{since: f.Since, until: f.Until, local: f.Local()}
	if len(f.ActivityTypes) > 0 {
		m.types = make(map[string]struct{}, len(f.ActivityTypes))
		for _, t := range f.ActivityTypes {
			m.types[t] = struct{}{}
		}
	}
	m.ids = make(map[string]struct{})
	m.emails = make(map[string]struct{})
	m.phones = make(map[string]struct{})
	for _, u := range f.Users {
		m.users = true
		switch u.Kind {
		case UserRawID, UserNodeID:
			if u.RawID != "" {
				m.ids[u.RawID] = struct{}{}
			}
		case UserEmail:
			m.emails[strings.ToLower(u.Value)] = struct{}{}
		case UserPhone:
			m.phones[u.Value] = struct{}{}
		}
		for _, id := range u.ResolvedIDs {
			m.ids[id] = struct{}{}
		}
	}
	return m
}

// Match reports whether e passes the filter, the way the API would select
// it: its type is one of the filter's ActivityTypes (or there are none),
// Since <= CreatedAt < Until (a zero bound is open), and, when its Users is
// not empty, one of them matches: e.UserID is the RawID of an ID reference or one of the
// ResolvedIDs of an email or phone reference, or the event was sent to that
// email address or phone number (data.payload.recipient). The filters the
// API lacks apply too (see LocalMatcher.Match).
func (m *Matcher) Match(e *Event) bool {
	if e == nil {
		return false
	}
	if m.types != nil {
		if _, ok := m.types[e.ActivityType]; !ok {
			return false
		}
	}
	if !m.since.IsZero() && e.CreatedAt.Before(m.since) {
		return false
	}
	if !m.until.IsZero() && !e.CreatedAt.Before(m.until) {
		return false
	}
	if !m.local.Match(e) {
		return false
	}
	if !m.users {
		return true
	}
	if e.UserID != "" {
		if _, ok := m.ids[e.UserID]; ok {
			return true
		}
	}
	if len(m.emails) == 0 && len(m.phones) == 0 {
		return false
	}
	r := gjson.GetBytes(e.Data, pathRecipient)
	if r.Type != gjson.String || r.Str == "" {
		return false
	}
	return m.isAddress(r.Str)
}

// isAddress reports whether s is one of the filter's emails or phones.
func (m *Matcher) isAddress(s string) bool {
	if strings.Contains(s, "@") {
		_, ok := m.emails[strings.ToLower(strings.TrimSpace(s))]
		return ok
	}
	if _, ok := m.phones[s]; ok {
		return true
	}
	_, ok := m.phones[normalisePhone(s)]
	return ok
}

// LearnFrom adds to r.ResolvedIDs the user whose snapshot in e
// (data.payload.user) has r's email address or phone number, and reports
// whether the ID is new. It does nothing for ID references. Use it where
// there is no API to resolve the address, as with --input: run it over the
// events, then Compile the filter.
func (r *UserRef) LearnFrom(e *Event) bool {
	if r.Kind != UserEmail && r.Kind != UserPhone {
		return false
	}
	id, email, phone := snapshot(e)
	if id == "" {
		return false
	}
	if r.Kind == UserEmail && (email == "" || email != strings.ToLower(r.Value)) {
		return false
	}
	if r.Kind == UserPhone && (phone == "" || phone != r.Value) {
		return false
	}
	for _, have := range r.ResolvedIDs {
		if have == id {
			return false
		}
	}
	r.ResolvedIDs = append(r.ResolvedIDs, id)
	return true
}

// snapshot reads the user snapshot of e: the raw user ID (payload.user.id,
// else the event's user) and the lower-cased email and normalised phone
// number of its standard attributes.
func snapshot(e *Event) (id, email, phone string) {
	if e == nil || len(e.Data) == 0 {
		return "", "", ""
	}
	u := gjson.GetBytes(e.Data, pathUser)
	if !u.IsObject() {
		return "", "", ""
	}
	attrs := u.Get("standard_attributes")
	if !attrs.IsObject() {
		return "", "", ""
	}
	if v := attrs.Get("email"); v.Type == gjson.String {
		email = strings.ToLower(strings.TrimSpace(v.Str))
	}
	if v := attrs.Get("phone_number"); v.Type == gjson.String {
		phone = normalisePhone(v.Str)
	}
	if email == "" && phone == "" {
		return "", "", ""
	}
	if v := u.Get("id"); v.Type == gjson.String && v.Str != "" {
		id = v.Str
	} else if e.UserID != "" {
		id = e.UserID
	} else if v := gjson.GetBytes(e.Data, pathContextUser); v.Type == gjson.String {
		id = v.Str
	}
	return id, email, phone
}

// normalisePhone drops the punctuation people write phone numbers with.
func normalisePhone(s string) string {
	if !strings.ContainsAny(s, " -.()\t") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '\t':
			return -1
		}
		return r
	}, s)
}

// Describe says in one short line what f selects, for notices:
// "USER_AUTHENTICATED, 2 more; since 2026-11-01T00:00:00Z; user alice@example.com".
func (f Filter) Describe() string {
	var parts []string
	switch n := len(f.ActivityTypes); n {
	case 0:
	case 1:
		parts = append(parts, f.ActivityTypes[0])
	default:
		parts = append(parts, fmt.Sprintf("%s, %d more", f.ActivityTypes[0], n-1))
	}
	if !f.Since.IsZero() {
		parts = append(parts, "since "+f.Since.UTC().Format(time.RFC3339))
	}
	if !f.Until.IsZero() {
		parts = append(parts, "until "+f.Until.UTC().Format(time.RFC3339))
	}
	if len(f.Users) > 0 {
		names := make([]string, len(f.Users))
		for i, u := range f.Users {
			names[i] = u.String()
		}
		label := "user "
		if len(names) > 1 {
			label = "users "
		}
		parts = append(parts, label+strings.Join(names, ", "))
	}
	parts = append(parts, f.describeLocal()...)
	if len(parts) == 0 {
		return "all events"
	}
	return strings.Join(parts, "; ")
}

// String names the user the way a person would: the email address or phone
// number, or the raw user ID.
func (r UserRef) String() string {
	switch {
	case (r.Kind == UserEmail || r.Kind == UserPhone) && r.Value != "":
		return r.Value
	case r.RawID != "":
		return r.RawID
	default:
		return r.Input
	}
}
