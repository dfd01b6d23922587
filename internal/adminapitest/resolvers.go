package adminapitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
)

// dateTime is the schema's DateTime scalar, with the real server's
// behaviour: input must be a full RFC 3339 timestamp with a zone, and the
// zone is then dropped (the wall-clock part is read as UTC).
type dateTime struct{ time.Time }

// ImplementsGraphQLType maps DateTime to the schema's scalar.
func (dateTime) ImplementsGraphQLType(name string) bool { return name == "DateTime" }

// UnmarshalGraphQL parses an input value.
func (d *dateTime) UnmarshalGraphQL(input any) error {
	s, ok := input.(string)
	if !ok {
		return fmt.Errorf("DateTime must be an RFC 3339 string, not %T", input)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("invalid DateTime %q: expected RFC 3339 with a time zone", s)
	}
	// The server compares the wall clock with a column without a zone.
	d.Time = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return nil
}

// MarshalJSON writes RFC 3339 in UTC, whole seconds.
func (d dateTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + d.UTC().Format(time.RFC3339) + `"`), nil
}

// rawJSON is the AuditLogData and UserStandardAttributes scalars: a JSON
// object passed through verbatim.
type rawJSON json.RawMessage

// ImplementsGraphQLType maps rawJSON to the JSON object scalars.
func (rawJSON) ImplementsGraphQLType(name string) bool {
	return name == "AuditLogData" || name == "UserStandardAttributes"
}

// UnmarshalGraphQL is never used (these scalars are output only) but the
// library requires it.
func (r *rawJSON) UnmarshalGraphQL(input any) error {
	b, err := json.Marshal(input)
	if err != nil {
		return err
	}
	*r = b
	return nil
}

// MarshalJSON returns the stored bytes.
func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// splicer moves event data around the GraphQL engine: encoding/json
// re-validates every byte a MarshalJSON returns, which made the 1.2 KB
// data objects most of the cost of a page. The data resolver registers the
// stored bytes and returns a short placeholder string holding a per-server
// random nonce; the answer's placeholders are then replaced by the bytes.
// The answer is the same as if the bytes had gone through the engine.
type splicer struct {
	prefix []byte // `"\u0000<nonce>:`
	mu     sync.Mutex
	parts  [][]byte
}

type splicerKey struct{}

func (s *Server) newSplicer() *splicer {
	return &splicer{prefix: s.splicePrefix}
}

// add registers b and returns its placeholder.
func (sp *splicer) add(b []byte) rawJSON {
	sp.mu.Lock()
	n := len(sp.parts)
	sp.parts = append(sp.parts, b)
	sp.mu.Unlock()
	ph := make([]byte, 0, len(sp.prefix)+8)
	ph = append(ph, sp.prefix...)
	ph = strconv.AppendInt(ph, int64(n), 10)
	ph = append(ph, '"')
	return rawJSON(ph)
}

// expand replaces the placeholders in out.
func (sp *splicer) expand(out []byte) []byte {
	if len(sp.parts) == 0 {
		return out
	}
	size := len(out)
	for _, p := range sp.parts {
		size += len(p)
	}
	res := make([]byte, 0, size)
	for {
		i := bytes.Index(out, sp.prefix)
		if i < 0 {
			return append(res, out...)
		}
		res = append(res, out[:i]...)
		rest := out[i+len(sp.prefix):]
		j := bytes.IndexByte(rest, '"')
		n, err := strconv.Atoi(string(rest[:j]))
		if err != nil || n >= len(sp.parts) {
			panic("adminapitest: corrupt data placeholder")
		}
		res = append(res, sp.parts[n]...)
		out = rest[j+1:]
	}
}

type queryResolver struct{ s *Server }

type auditLogsArgs struct {
	First          *int32
	Last           *int32
	After          *string
	Before         *string
	ActivityTypes  *[]string
	UserIDs        *[]graphql.ID
	EmailAddresses *[]string
	PhoneNumbers   *[]string
	RangeFrom      *dateTime
	RangeTo        *dateTime
	SortDirection  *string
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

// decodeCursor returns the offset a cursor names; "" is "no cursor".
func decodeCursor(c string) (int, bool, error) {
	if c == "" {
		return 0, false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false, errors.New("invalid cursor")
	}
	n, ok := strings.CutPrefix(string(b), "offset:")
	if !ok {
		return 0, false, errors.New("invalid cursor")
	}
	off, err := strconv.Atoi(n)
	if err != nil || off < 0 {
		return 0, false, errors.New("invalid cursor")
	}
	return off, true, nil
}

func (q *queryResolver) AuditLogs(ctx context.Context, args auditLogsArgs) (*connectionResolver, error) {
	s := q.s
	f := &filter{}
	if args.RangeFrom != nil {
		f.from = args.RangeFrom.Time
	}
	if args.RangeTo != nil {
		f.to = args.RangeTo.Time
	}
	if args.ActivityTypes != nil {
		f.types = set(*args.ActivityTypes)
	}
	if args.UserIDs != nil && len(*args.UserIDs) > 0 {
		f.users = map[string]bool{}
		for _, id := range *args.UserIDs {
			typename, raw, ok := parseNodeID(string(id))
			if !ok || typename != "User" {
				return nil, errors.New("invalid user IDs")
			}
			f.users[raw] = true
		}
	}
	var recips []string
	if args.EmailAddresses != nil {
		recips = append(recips, *args.EmailAddresses...)
	}
	if args.PhoneNumbers != nil {
		recips = append(recips, *args.PhoneNumbers...)
	}
	f.recipients = set(recips)
	s.applyRetention(f)

	desc := true
	if args.SortDirection != nil && *args.SortDirection == "ASC" {
		desc = false
	}

	// Pagination: offsets, relay-style arguments.
	if args.First != nil && *args.First < 0 {
		return nil, errors.New("invalid pagination: first must not be negative")
	}
	if args.Last != nil && *args.Last < 0 {
		return nil, errors.New("invalid pagination: last must not be negative")
	}
	if args.Last != nil && (args.Before == nil || *args.Before == "") {
		return nil, errors.New("unsupported pagination")
	}
	start := 0
	if args.After != nil {
		off, ok, err := decodeCursor(*args.After)
		if err != nil {
			return nil, err
		}
		if ok {
			start = off + 1
		}
	}
	end := -1 // -1: up to the end
	if args.Before != nil {
		off, ok, err := decodeCursor(*args.Before)
		if err != nil {
			return nil, err
		}
		if ok {
			end = off
		}
	}
	limit := 100
	if args.First != nil {
		limit = min(int(*args.First), 100)
	}

	s.mu.RLock()
	o := s.selectOrdered(f, desc)
	if end < 0 || end > o.n {
		end = o.n
	}
	if args.Last != nil {
		limit = min(int(*args.Last), 100)
		if args.First != nil {
			end = min(end, start+min(int(*args.First), 100))
		}
		start = max(start, end-limit)
	} else {
		end = min(end, start+limit)
	}
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	page := o.window(start, end, rng, s.stableTies.Load())
	total := o.n
	s.mu.RUnlock()

	if cost := time.Duration(s.offsetCost.Load()); cost > 0 && start > 0 {
		if !sleep(ctx, time.Duration(start)*cost) {
			return nil, ctx.Err()
		}
	}
	sp, _ := ctx.Value(splicerKey{}).(*splicer)
	return &connectionResolver{s: s, page: page, start: start, limit: limit, total: total, sp: sp}, nil
}

type connectionResolver struct {
	sp    *splicer
	s     *Server
	page  []Event
	start int
	limit int
	total int
}

func (c *connectionResolver) Edges() *[]*edgeResolver {
	edges := make([]*edgeResolver, len(c.page))
	for i := range c.page {
		edges[i] = &edgeResolver{cursor: encodeCursor(c.start + i), node: &auditLogResolver{s: c.s, e: &c.page[i], sp: c.sp}}
	}
	return &edges
}

func (c *connectionResolver) PageInfo() *pageInfoResolver {
	p := &pageInfoResolver{
		hasNext: len(c.page) > 0 && len(c.page) == c.limit,
		hasPrev: c.start > 0,
	}
	if len(c.page) > 0 {
		p.startCursor = encodeCursor(c.start)
		p.endCursor = encodeCursor(c.start + len(c.page) - 1)
	}
	return p
}

func (c *connectionResolver) TotalCount() *int32 {
	c.s.counts.Add(1)
	n := int32(c.total)
	return &n
}

type edgeResolver struct {
	cursor string
	node   *auditLogResolver
}

func (e *edgeResolver) Cursor() string            { return e.cursor }
func (e *edgeResolver) Node() *auditLogResolver   { return e.node }
func (p *pageInfoResolver) HasNextPage() bool     { return p.hasNext }
func (p *pageInfoResolver) HasPreviousPage() bool { return p.hasPrev }
func (p *pageInfoResolver) StartCursor() *string  { return &p.startCursor }
func (p *pageInfoResolver) EndCursor() *string    { return &p.endCursor }
func (a *auditLogResolver) ID() graphql.ID        { return graphql.ID(AuditLogNodeID(a.e.ID)) }
func (a *auditLogResolver) CreatedAt() dateTime   { return dateTime{a.e.CreatedAt} }
func (a *auditLogResolver) ActivityType() string  { return a.e.ActivityType }
func (a *auditLogResolver) IPAddress() *string    { return &a.e.IPAddress }
func (a *auditLogResolver) UserAgent() *string    { return &a.e.UserAgent }
func (a *auditLogResolver) ClientID() *string     { return &a.e.ClientID }

// Data returns the stored event object.
//
// It takes no context: graphql-go runs fields that do in goroutines, which
// costs more than the whole page.
func (a *auditLogResolver) Data() *rawJSON {
	if a.e.Data == nil {
		return nil
	}
	r := rawJSON(a.e.Data)
	if a.sp != nil {
		r = a.sp.add(a.e.Data)
	}
	return &r
}
func (u *userResolver) ID() graphql.ID { return graphql.ID(UserNodeID(u.u.ID)) }

type pageInfoResolver struct {
	hasNext, hasPrev       bool
	startCursor, endCursor string
}

type auditLogResolver struct {
	s  *Server
	e  *Event
	sp *splicer // nil: data goes through the engine
}

func (a *auditLogResolver) User() *userResolver {
	if a.e.UserID == "" {
		return nil
	}
	a.s.mu.RLock()
	u, ok := a.s.users[a.e.UserID]
	a.s.mu.RUnlock()
	if !ok {
		return nil
	}
	return &userResolver{u: u}
}

type userResolver struct{ u User }

func (u *userResolver) StandardAttributes() rawJSON {
	attrs := map[string]any{}
	if u.u.Email != "" {
		attrs["email"] = u.u.Email
	}
	if u.u.Phone != "" {
		attrs["phone_number"] = u.u.Phone
	}
	if u.u.Username != "" {
		attrs["preferred_username"] = u.u.Username
	}
	b, _ := json.Marshal(attrs)
	return rawJSON(b)
}

// nodeResolver is the Node interface: an AuditLog or a User.
type nodeResolver struct {
	a *auditLogResolver
	u *userResolver
}

func (n *nodeResolver) ID() graphql.ID {
	if n.a != nil {
		return n.a.ID()
	}
	return n.u.ID()
}
func (n *nodeResolver) ToAuditLog() (*auditLogResolver, bool) { return n.a, n.a != nil }
func (n *nodeResolver) ToUser() (*userResolver, bool)         { return n.u, n.u != nil }

func (q *queryResolver) Node(ctx context.Context, args struct{ ID graphql.ID }) *nodeResolver {
	typename, raw, ok := parseNodeID(string(args.ID))
	if !ok {
		return nil
	}
	s := q.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch typename {
	case "AuditLog":
		i, ok := s.byID[raw]
		if !ok || !s.knownTypes[s.events[i].ActivityType] {
			return nil
		}
		e := s.events[i]
		sp, _ := ctx.Value(splicerKey{}).(*splicer)
		return &nodeResolver{a: &auditLogResolver{s: s, e: &e, sp: sp}}
	case "User":
		u, ok := s.users[raw]
		if !ok {
			return nil
		}
		return &nodeResolver{u: &userResolver{u: u}}
	}
	return nil
}

func (q *queryResolver) GetUserByLoginID(args struct{ LoginIDKey, LoginIDValue string }) *userResolver {
	s := q.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, u := range s.users {
		var v string
		switch args.LoginIDKey {
		case "email":
			v = u.Email
		case "phone":
			v = u.Phone
		case "username":
			v = u.Username
		default:
			return nil
		}
		if v != "" && v == args.LoginIDValue {
			return &userResolver{u: u}
		}
	}
	return nil
}

func (q *queryResolver) GetUsersByStandardAttribute(args struct{ AttributeName, AttributeValue string }) ([]*userResolver, error) {
	var get func(User) string
	switch args.AttributeName {
	case "email":
		get = func(u User) string { return u.Email }
	case "phone_number":
		get = func(u User) string { return u.Phone }
	case "preferred_username":
		get = func(u User) string { return u.Username }
	default:
		return nil, fmt.Errorf("invalid attribute name %q", args.AttributeName)
	}
	s := q.s
	s.mu.RLock()
	var out []*userResolver
	for _, u := range s.users {
		if v := get(u); v != "" && v == args.AttributeValue {
			out = append(out, &userResolver{u: u})
		}
	}
	s.mu.RUnlock()
	sortUsers(out)
	return out, nil
}

func sortUsers(us []*userResolver) {
	slices.SortFunc(us, func(a, b *userResolver) int { return strings.Compare(a.u.ID, b.u.ID) })
}
