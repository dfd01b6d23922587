package adminapitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
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
type dateTime struct {
	time.Time
	ph string // page template placeholder (see splicer); output only
}

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
	if d.ph != "" {
		return []byte(`"` + d.ph + `"`), nil
	}
	return appendDateTime(nil, d.Time), nil
}

func appendDateTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '"')
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

// splicer moves event data around the GraphQL engine, which costs far more
// per field than writing the field's JSON directly: it calls every
// resolver through reflection and runs every value through encoding/json
// (which re-validates every byte a MarshalJSON returns).
//
//   - Data: the data resolver registers the stored bytes and returns a
//     short placeholder; the answer's placeholder is replaced by the bytes.
//   - Pages: when the edges of a page select only fields of the event (see
//     templatable), the engine is given one template edge whose values are
//     placeholders instead of the page's edges. It still decides everything
//     about the shape of the answer (field order, aliases, fragments,
//     directives, __typename); the template is then written once per event
//     of the page with the event's values in place of the placeholders.
//
// A placeholder is a string holding a per-server random nonce, made of
// characters that every encoder the engine uses writes unchanged. The
// answer is the same as if every value had gone through the engine.
type splicer struct {
	prefix   []byte // `"<nonce>:`
	sentinel string // the activityType of a template (an enum value must be valid)
	mu       sync.Mutex
	parts    [][]byte
	pages    []*pageTemplate
}

type splicerKey struct{}

func (s *Server) newSplicer() *splicer {
	return &splicer{prefix: s.splicePrefix, sentinel: s.typeSentinel}
}

// add registers b and returns its placeholder.
func (sp *splicer) add(b []byte) rawJSON {
	sp.mu.Lock()
	n := len(sp.parts)
	sp.parts = append(sp.parts, b)
	sp.mu.Unlock()
	ph := make([]byte, 0, len(sp.prefix)+10)
	ph = append(ph, sp.prefix...)
	ph = append(ph, 'd')
	ph = strconv.AppendInt(ph, int64(n), 10)
	ph = append(ph, '"')
	return rawJSON(ph)
}

// pageTemplate is one list of edges rendered from a template edge.
type pageTemplate struct {
	s     *Server
	sp    *splicer
	n     int // index in sp.pages
	page  []Event
	start int // offset of page[0]
}

// Kinds of template placeholders: the fields of an edge and its node.
const (
	phCursor    = 'c'
	phID        = 'i'
	phCreatedAt = 't'
	phType      = 'a' // not a placeholder: the splicer's sentinel enum value
	phIP        = 'p'
	phUserAgent = 'u'
	phClientID  = 'l'
	phData      = 'd'
	phUserID    = 'U'
	phUserAttrs = 'S'
	// Not placeholders: where the object of a node's user starts and ends
	// (it is null for an event whose user is not stored).
	userOpen  = '{'
	userClose = '}'
)

// addPage registers a page and returns its template.
func (sp *splicer) addPage(s *Server, page []Event, start int) *pageTemplate {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	t := &pageTemplate{s: s, sp: sp, n: len(sp.pages), page: page, start: start}
	sp.pages = append(sp.pages, t)
	return t
}

// ph returns the placeholder of field kind k, without quotes.
func (t *pageTemplate) ph(k byte) string {
	b := make([]byte, 0, len(t.sp.prefix)+8)
	b = append(b, t.sp.prefix[1:]...)
	b = append(b, 't')
	b = strconv.AppendInt(b, int64(t.n), 10)
	b = append(b, '.', k)
	return string(b)
}

// templateFields are the paths below edges that a template can stand for:
// every one is either constant or a placeholder in the template's JSON.
var templateFields = map[string]bool{
	"cursor": true, "node": true, "node.id": true, "node.createdAt": true,
	"node.activityType": true, "node.ipAddress": true, "node.userAgent": true,
	"node.clientID": true, "node.data": true,
	"node.user": true, "node.user.id": true, "node.user.standardAttributes": true,
}

// templatable reports whether edges selecting the given field paths (as
// graphql.SelectedFieldNames lists them) can be rendered from a template:
// only fields of templateFields, and at least one that becomes a
// placeholder, which is how expand finds the template in the answer.
func templatable(names []string) bool {
	found := false
	for _, n := range names {
		if !templateFields[n] {
			return false
		}
		if n != "node" && n != "node.activityType" && n != "node.user" {
			found = true
		}
	}
	return found
}

// expand appends out to res with its placeholders replaced.
func (sp *splicer) expand(res, out []byte) []byte {
	for {
		i := bytes.Index(out, sp.prefix)
		if i < 0 {
			return append(res, out...)
		}
		rest := out[i+len(sp.prefix):]
		j := bytes.IndexByte(rest, '"')
		if j < 1 {
			panic("adminapitest: corrupt placeholder")
		}
		switch kind, body := rest[0], rest[1:j]; kind {
		case 'd':
			n, err := strconv.Atoi(string(body))
			if err != nil || n >= len(sp.parts) {
				panic("adminapitest: corrupt data placeholder")
			}
			res = append(res, out[:i]...)
			res = append(res, sp.parts[n]...)
			out = rest[j+1:]
		case 't':
			// The first placeholder of a template: its list opens at the
			// last '[' before it and closes at the next ']' (an edge holds
			// no list, and nothing in the template before expansion holds
			// a bracket).
			n, _, _ := bytes.Cut(body, []byte("."))
			k, err := strconv.Atoi(string(n))
			open := bytes.LastIndexByte(out[:i], '[')
			end := bytes.IndexByte(rest, ']')
			if err != nil || k >= len(sp.pages) || open < 0 || end < 0 || out[open+1] != '{' {
				panic("adminapitest: corrupt page template")
			}
			end += i + len(sp.prefix)
			res = append(res, out[:open+1]...)
			res = sp.pages[k].render(res, out[open+1:end])
			out = out[end:]
		default:
			panic("adminapitest: corrupt placeholder")
		}
	}
}

// segment is a constant part of a template and the field that follows it.
type segment struct {
	lit  []byte
	kind byte // 0 at the end
}

// parse splits the JSON of the template edge into constant parts and
// fields. Its strings are keys, type names and placeholders, none of
// which holds an escape. An object three deep (edge, node, user) is a
// user: the only field of an object type of AuditLog.
func (t *pageTemplate) parse(tmpl []byte) []segment {
	var segs []segment
	own := []byte(t.ph(0))
	own = own[:len(own)-1] // `<nonce>:t<n>.`
	lit, depth := 0, 0
	for i := 0; i < len(tmpl); i++ {
		switch tmpl[i] {
		case '{':
			depth++
			if depth == 3 {
				segs = append(segs, segment{lit: tmpl[lit:i], kind: userOpen})
				lit = i
			}
			continue
		case '}':
			if depth == 3 {
				segs = append(segs, segment{lit: tmpl[lit : i+1], kind: userClose})
				lit = i + 1
			}
			depth--
			continue
		case '"':
		default:
			continue
		}
		j := bytes.IndexByte(tmpl[i+1:], '"')
		if j < 0 {
			panic("adminapitest: corrupt page template")
		}
		j += i + 1
		str := tmpl[i+1 : j]
		if bytes.IndexByte(str, '\\') >= 0 {
			panic("adminapitest: escaped string in page template")
		}
		var kind byte
		switch {
		case bytes.HasPrefix(str, own) && len(str) == len(own)+1:
			kind = str[len(own)]
		case bytes.HasPrefix(str, t.sp.prefix[1:]):
			panic("adminapitest: foreign placeholder in page template")
		case i > 0 && tmpl[i-1] == ':' && string(str) == t.sp.sentinel:
			kind = phType // a value, not a key
		}
		if kind != 0 {
			segs = append(segs, segment{lit: tmpl[lit:i], kind: kind})
			lit = j + 1
		}
		i = j
	}
	if depth != 0 {
		panic("adminapitest: corrupt page template")
	}
	return append(segs, segment{lit: tmpl[lit:]})
}

// render appends the page's edges, comma-separated, written from the
// template edge tmpl.
func (t *pageTemplate) render(b, tmpl []byte) []byte {
	segs := t.parse(tmpl)
	users := false
	for _, sg := range segs {
		users = users || sg.kind == userOpen
	}
	if users {
		t.s.mu.RLock()
		defer t.s.mu.RUnlock()
	}
	for p := range t.page {
		if p > 0 {
			b = append(b, ',')
		}
		e := &t.page[p]
		var u User
		known := false
		if users && e.UserID != "" {
			u, known = t.s.users[e.UserID]
		}
		for k := 0; k < len(segs); k++ {
			sg := &segs[k]
			b = append(b, sg.lit...)
			switch {
			case sg.kind == userOpen && !known:
				b = append(b, "null"...)
				for segs[k].kind != userClose {
					k++
				}
			case sg.kind == phUserID:
				b = appendQuotedNodeID(b, "User:", u.ID)
			case sg.kind == phUserAttrs:
				b = append(b, (&userResolver{u: u}).StandardAttributes()...)
			case sg.kind != userOpen && sg.kind != userClose:
				b = appendField(b, sg.kind, e, t.start+p)
			}
		}
	}
	return b
}

// appendQuotedNodeID appends the node ID of raw quoted as graphql.ID
// does (strconv.Quote): base64url needs no escaping.
func appendQuotedNodeID(b []byte, typePrefix, raw string) []byte {
	var arr [128]byte
	src := append(append(arr[:0], typePrefix...), raw...)
	b = append(b, '"')
	b = base64.RawURLEncoding.AppendEncode(b, src)
	return append(b, '"')
}

// appendCursor appends encodeCursor(offset).
func appendCursor(b []byte, offset int) []byte {
	var arr [32]byte
	return base64.RawURLEncoding.AppendEncode(b, strconv.AppendInt(append(arr[:0], "offset:"...), int64(offset), 10))
}

// appendField writes one field of e as the engine writes it: strings as
// encoding/json does, the ID as graphql.ID.MarshalJSON does (a base64url
// node ID needs no escaping, so encoding/json's pass over it changes
// nothing), the enum's name, the DateTime, and data verbatim.
func appendField(b []byte, kind byte, e *Event, offset int) []byte {
	switch kind {
	case 0:
		return b
	case phCursor:
		b = append(b, '"')
		b = appendCursor(b, offset)
		return append(b, '"')
	case phID:
		return appendQuotedNodeID(b, "AuditLog:", e.ID)
	case phCreatedAt:
		return appendDateTime(b, e.CreatedAt)
	case phType:
		b = append(b, '"')
		b = append(b, e.ActivityType...)
		return append(b, '"')
	case phIP:
		return appendJSONString(b, e.IPAddress)
	case phUserAgent:
		return appendJSONString(b, e.UserAgent)
	case phClientID:
		return appendJSONString(b, e.ClientID)
	case phData:
		if e.Data == nil {
			return append(b, "null"...)
		}
		return append(b, e.Data...)
	}
	panic("adminapitest: corrupt page template")
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
	return string(appendCursor(nil, offset))
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
	o := s.selectOrdered(f, desc, true)
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
	page := s.page(o, f, start, end-start)
	total := o.n + o.hidden
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

// Edges returns the page's edges, or one template edge standing for them
// (see splicer) when the selection allows.
func (c *connectionResolver) Edges(ctx context.Context) *[]*edgeResolver {
	if c.sp != nil && len(c.page) > 0 && !c.s.noTemplates && templatable(graphql.SelectedFieldNames(ctx)) && c.known() {
		t := c.sp.addPage(c.s, c.page, c.start)
		edges := []*edgeResolver{{cursor: t.ph(phCursor), node: &auditLogResolver{s: c.s, t: t}}}
		return &edges
	}
	edges := make([]*edgeResolver, len(c.page))
	for i := range c.page {
		edges[i] = &edgeResolver{cursor: encodeCursor(c.start + i), node: &auditLogResolver{s: c.s, e: &c.page[i], sp: c.sp}}
	}
	return &edges
}

// known reports whether every event of the page has a type of the enum
// (those of other types are never selected, see selectOrdered).
func (c *connectionResolver) known() bool {
	for i := range c.page {
		if !c.s.knownTypes[c.page[i].ActivityType] {
			return false
		}
	}
	return true
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

func (a *auditLogResolver) ID() graphql.ID {
	if a.t != nil {
		return graphql.ID(a.t.ph(phID))
	}
	return graphql.ID(AuditLogNodeID(a.e.ID))
}

func (a *auditLogResolver) CreatedAt() dateTime {
	if a.t != nil {
		return dateTime{ph: a.t.ph(phCreatedAt)}
	}
	return dateTime{Time: a.e.CreatedAt}
}

func (a *auditLogResolver) ActivityType() string {
	if a.t != nil {
		return a.t.sp.sentinel
	}
	return a.e.ActivityType
}

func (a *auditLogResolver) IPAddress() *string {
	if a.t != nil {
		return a.ph(phIP)
	}
	return &a.e.IPAddress
}

func (a *auditLogResolver) UserAgent() *string {
	if a.t != nil {
		return a.ph(phUserAgent)
	}
	return &a.e.UserAgent
}

func (a *auditLogResolver) ClientID() *string {
	if a.t != nil {
		return a.ph(phClientID)
	}
	return &a.e.ClientID
}

func (a *auditLogResolver) ph(k byte) *string {
	s := a.t.ph(k)
	return &s
}

// Data returns the stored event object.
//
// It takes no context: graphql-go runs fields that do in goroutines, which
// costs more than the whole page.
func (a *auditLogResolver) Data() *rawJSON {
	if a.t != nil {
		r := rawJSON(`"` + a.t.ph(phData) + `"`)
		return &r
	}
	if a.e.Data == nil {
		return nil
	}
	r := rawJSON(a.e.Data)
	if a.sp != nil {
		r = a.sp.add(a.e.Data)
	}
	return &r
}
func (u *userResolver) ID() graphql.ID {
	if u.t != nil {
		return graphql.ID(u.t.ph(phUserID))
	}
	return graphql.ID(UserNodeID(u.u.ID))
}

type pageInfoResolver struct {
	hasNext, hasPrev       bool
	startCursor, endCursor string
}

type auditLogResolver struct {
	s  *Server
	e  *Event
	sp *splicer      // nil: data goes through the engine
	t  *pageTemplate // set: the template of a page's nodes, e is nil
}

func (a *auditLogResolver) User() *userResolver {
	if a.t != nil {
		return &userResolver{t: a.t}
	}
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

type userResolver struct {
	u User
	t *pageTemplate // set: the template of a page's users
}

func (u *userResolver) StandardAttributes() rawJSON {
	if u.t != nil {
		return rawJSON(`"` + u.t.ph(phUserAttrs) + `"`)
	}
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
