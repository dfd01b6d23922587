package adminapi

import (
	"bytes"
	"encoding/json"
	"time"

	segjson "github.com/segmentio/encoding/json"
)

// The page answers (AuditLogPage, AuditLogPageCounted) are nearly all of an
// export's input, and decoding them with a reflection-driven decoder cost
// about a third of the client's CPU: most of it went to parsing each event's
// data object into a json.RawMessage. decodePageFast decodes exactly the
// shape of those answers by hand, into the generated structs, and only
// validates the data object on its way (a byte scan that looks at each byte
// once) before copying it.
//
// It accepts only what it fully understands: any surprise (an errors entry,
// an escaped key, a key that differs from a field only by case, a repeated
// key, a number that is not a plain integer, a type mismatch, invalid JSON)
// makes it report !ok, and the caller decodes the answer again with the
// general decoder, which then decides, with its own errors. So on every
// answer it accepts it must agree with the general decoder exactly;
// FuzzPageDecoders checks that.

// nodeFields is the shape of both generated AuditLog node types.
type nodeFields = struct {
	Id           string               `json:"id"`
	CreatedAt    time.Time            `json:"createdAt"`
	ActivityType AuditLogActivityType `json:"activityType"`
	IpAddress    *string              `json:"ipAddress"`
	UserAgent    *string              `json:"userAgent"`
	ClientID     *string              `json:"clientID"`
	Data         *json.RawMessage     `json:"data"`
}

type nodeType interface {
	~struct {
		Id           string               `json:"id"`
		CreatedAt    time.Time            `json:"createdAt"`
		ActivityType AuditLogActivityType `json:"activityType"`
		IpAddress    *string              `json:"ipAddress"`
		UserAgent    *string              `json:"userAgent"`
		ClientID     *string              `json:"clientID"`
		Data         *json.RawMessage     `json:"data"`
	}
}

type edgeFields[N any] = struct {
	Cursor string `json:"cursor"`
	Node   *N     `json:"node"`
}

type edgeType[N any] interface {
	~struct {
		Cursor string `json:"cursor"`
		Node   *N     `json:"node"`
	}
}

// fastPage is what decodePageFast found besides the edges.
type fastPage struct {
	dataNull  bool // "data": null
	connNull  bool // "auditLogs": null or absent
	hasNext   bool
	endCursor *string
	total     *int
}

// slabSize is how many values one allocation holds for the many small
// pointers a page needs (edges, nodes, optional strings, data headers).
const slabSize = 64

// slab hands out pointers to values allocated slabSize at a time. A full
// chunk is never grown, so the pointers stay valid.
type slab[T any] struct{ chunk []T }

func (s *slab[T]) put(v T) *T {
	if len(s.chunk) == cap(s.chunk) {
		s.chunk = make([]T, 0, slabSize)
	}
	s.chunk = append(s.chunk, v)
	return &s.chunk[len(s.chunk)-1]
}

// pageDecoder holds the scan position and the slabs of one answer.
type pageDecoder[E edgeType[N], N nodeType] struct {
	s       scanner
	edges   slab[E]
	nodes   slab[N]
	strs    slab[string]
	raws    slab[json.RawMessage]
	counted bool // the answer may hold totalCount
}

// decodePageFast decodes a page answer; ok is false when the answer is not
// the plain shape it handles and the general decoder must decide.
func decodePageFast[E edgeType[N], N nodeType](body []byte, counted bool) (edges []*E, p fastPage, ok bool) {
	d := &pageDecoder[E, N]{s: scanner{b: body}, counted: counted}
	p.connNull = true
	var seen uint8
	ok = d.s.object(func(key []byte) bool {
		switch string(key) {
		case "data":
			if !once(&seen, 1) {
				return false
			}
			if d.s.null() {
				p.dataNull = true
				return true
			}
			return d.data(&edges, &p)
		case "errors":
			return false
		default:
			return d.s.unknown(key, "data", "errors")
		}
	})
	if !ok || !d.s.end() {
		return nil, fastPage{}, false
	}
	return edges, p, true
}

func (d *pageDecoder[E, N]) data(edges *[]*E, p *fastPage) bool {
	var seen uint8
	return d.s.object(func(key []byte) bool {
		if string(key) != "auditLogs" {
			return d.s.unknown(key, "auditLogs")
		}
		return d.field(&seen, 1, func() bool {
			p.connNull = false
			return d.conn(edges, p)
		})
	})
}

func (d *pageDecoder[E, N]) conn(edges *[]*E, p *fastPage) bool {
	var seen uint8
	return d.s.object(func(key []byte) bool {
		switch string(key) {
		case "edges":
			return d.field(&seen, 1, func() bool {
				return d.edgeList(edges)
			})
		case "pageInfo":
			return d.field(&seen, 2, func() bool {
				return d.pageInfo(p)
			})
		case "totalCount":
			if !d.counted {
				return d.s.unknown(key, "edges", "pageInfo")
			}
			return d.field(&seen, 4, func() bool {
				n, ok := d.s.integer()
				if !ok {
					return false
				}
				p.total = &n
				return true
			})
		default:
			return d.s.unknown(key, "edges", "pageInfo", "totalCount")
		}
	})
}

func (d *pageDecoder[E, N]) pageInfo(p *fastPage) bool {
	var seen uint8
	return d.s.object(func(key []byte) bool {
		switch string(key) {
		case "hasNextPage":
			return d.field(&seen, 1, func() bool {
				v, ok := d.s.boolean()
				p.hasNext = v
				return ok
			})
		case "endCursor":
			return once(&seen, 2) && d.optString(&p.endCursor)
		default:
			return d.s.unknown(key, "hasNextPage", "endCursor")
		}
	})
}

func (d *pageDecoder[E, N]) edgeList(edges *[]*E) bool {
	if !d.s.consume('[') {
		return false
	}
	list := make([]*E, 0, MaxPageSize)
	if d.s.consume(']') {
		*edges = list
		return true
	}
	for {
		if d.s.null() {
			list = append(list, nil)
		} else {
			e, ok := d.edge()
			if !ok {
				return false
			}
			list = append(list, e)
		}
		if d.s.consume(',') {
			continue
		}
		if d.s.consume(']') {
			*edges = list
			return true
		}
		return false
	}
}

func (d *pageDecoder[E, N]) edge() (*E, bool) {
	var e edgeFields[N]
	var seen uint8
	ok := d.s.object(func(key []byte) bool {
		switch string(key) {
		case "cursor":
			return once(&seen, 1) && d.s.nullableStr(&e.Cursor)
		case "node":
			return d.field(&seen, 2, func() bool {
				n, ok := d.node()
				e.Node = n
				return ok
			})
		default:
			return d.s.unknown(key, "cursor", "node")
		}
	})
	if !ok {
		return nil, false
	}
	return d.edges.put(E(e)), true
}

func (d *pageDecoder[E, N]) node() (*N, bool) {
	var n nodeFields
	var seen uint8
	ok := d.s.object(func(key []byte) bool {
		switch string(key) {
		case "id":
			return once(&seen, 1) && d.s.nullableStr(&n.Id)
		case "createdAt":
			if !once(&seen, 2) {
				return false
			}
			return d.s.time(&n.CreatedAt)
		case "activityType":
			return d.field(&seen, 4, func() bool {
				v, ok := d.s.activityType()
				n.ActivityType = AuditLogActivityType(v)
				return ok
			})
		case "ipAddress":
			return once(&seen, 8) && d.optString(&n.IpAddress)
		case "userAgent":
			return once(&seen, 16) && d.optString(&n.UserAgent)
		case "clientID":
			return once(&seen, 32) && d.optString(&n.ClientID)
		case "data":
			return d.field(&seen, 64, func() bool {
				raw, ok := d.s.rawValue()
				if ok {
					n.Data = d.raws.put(json.RawMessage(bytes.Clone(raw)))
				}
				return ok
			})
		default:
			return d.s.unknown(key, "id", "createdAt", "activityType", "ipAddress", "userAgent", "clientID", "data")
		}
	})
	if !ok {
		return nil, false
	}
	return d.nodes.put(N(n)), true
}

func (d *pageDecoder[E, N]) optString(p **string) bool {
	if d.s.null() {
		*p = nil
		return true
	}
	v, ok := d.s.str()
	if ok {
		*p = d.strs.put(v)
	}
	return ok
}

// nullableStr reads a string into dst; null leaves dst as it is (the zero
// value), as encoding/json does for a string field.
func (s *scanner) nullableStr(dst *string) bool {
	if s.null() {
		return true
	}
	v, ok := s.str()
	*dst = v
	return ok
}

// field reads the value of one key: a repeated key fails (the general
// decoder takes over), null keeps the zero value, anything else goes to
// read.
func (d *pageDecoder[E, N]) field(seen *uint8, bit uint8, read func() bool) bool {
	if !once(seen, bit) {
		return false
	}
	if d.s.null() {
		return true
	}
	return read()
}

// once records bit in seen and reports whether it was new: a repeated key
// goes to the general decoder.
func once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// scanner reads JSON from b at i.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips white space and then c, if c is next.
func (s *scanner) consume(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

func (s *scanner) literal(lit string) bool {
	s.ws()
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

func (s *scanner) null() bool { return s.literal("null") }

func (s *scanner) boolean() (v, ok bool) {
	if s.literal("true") {
		return true, true
	}
	return false, s.literal("false")
}

// object reads an object, calling field for each key with the scanner
// before the value; field must read the value.
func (s *scanner) object(field func(key []byte) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		s.ws()
		key, ok := s.plain()
		if !ok || !s.consume(':') || !field(key) {
			return false
		}
		if s.consume(',') {
			continue
		}
		return s.consume('}')
	}
}

// unknown skips the value of a key the shape does not use, as the general
// decoder does; a key that matches a field but for case goes to the general
// decoder, which matches keys without regard to case.
func (s *scanner) unknown(key []byte, fields ...string) bool {
	for _, f := range fields {
		if bytes.EqualFold(key, []byte(f)) {
			return false
		}
	}
	return s.skip(0)
}

// plain reads a string that needs no unescaping and holds only printable
// ASCII, at s.i; anything else is not ok.
func (s *scanner) plain() ([]byte, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		if c == '"' {
			s.i = j + 1
			return s.b[start:j], true
		}
		if c < 0x20 || c >= 0x80 || c == '\\' {
			return nil, false
		}
	}
	return nil, false
}

// str reads a string value. Strings with escapes or non-ASCII bytes are
// unquoted by the general decoder, so that their meaning (invalid UTF-8
// included) is exactly its.
func (s *scanner) str() (string, bool) {
	s.ws()
	start := s.i
	if v, ok := s.plain(); ok {
		return string(v), true
	}
	s.i = start
	if !s.skipString() {
		return "", false
	}
	var v string
	if err := segjson.Unmarshal(s.b[start:s.i], &v); err != nil {
		return "", false
	}
	return v, true
}

// activityType reads an activity type, sharing the strings of the catalog
// of known types instead of allocating one per event.
func (s *scanner) activityType() (string, bool) {
	s.ws()
	start := s.i
	if v, ok := s.plain(); ok {
		if t, ok := knownActivityTypes[string(v)]; ok {
			return t, true
		}
		return string(v), true
	}
	s.i = start
	return s.str()
}

// knownActivityTypes maps each activity type of the schema to itself.
var knownActivityTypes = func() map[string]string {
	m := make(map[string]string, len(AllAuditLogActivityType))
	for _, t := range AllAuditLogActivityType {
		m[string(t)] = string(t)
	}
	return m
}()

// time reads a createdAt value the way time.Time's UnmarshalJSON does (null
// leaves it zero).
func (s *scanner) time(t *time.Time) bool {
	s.ws()
	start := s.i
	if s.null() {
		return true
	}
	if !s.skipString() {
		return false
	}
	return t.UnmarshalJSON(s.b[start:s.i]) == nil
}

// integer reads a plain integer (no fraction, no exponent, at most 18
// digits) into an int.
func (s *scanner) integer() (int, bool) {
	s.ws()
	j := s.i
	neg := false
	if j < len(s.b) && s.b[j] == '-' {
		neg = true
		j++
	}
	start := j
	n := 0
	for j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9' {
		n = n*10 + int(s.b[j]-'0')
		j++
	}
	digits := j - start
	if digits == 0 || digits > 18 || (digits > 1 && s.b[start] == '0') {
		return 0, false
	}
	if j < len(s.b) {
		switch s.b[j] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	s.i = j
	if neg {
		n = -n
	}
	return n, true
}

// rawValue reads any valid JSON value and returns its bytes.
func (s *scanner) rawValue() ([]byte, bool) {
	s.ws()
	start := s.i
	if !s.skip(0) {
		return nil, false
	}
	return s.b[start:s.i], true
}

// maxDepth bounds the nesting the scanner follows; deeper values go to the
// general decoder.
const maxDepth = 1000

// skip reads and validates one JSON value.
func (s *scanner) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '{':
		s.i++
		if s.consume('}') {
			return true
		}
		for {
			s.ws()
			if !s.skipString() || !s.consume(':') || !s.skip(depth+1) {
				return false
			}
			if s.consume(',') {
				continue
			}
			return s.consume('}')
		}
	case '[':
		s.i++
		if s.consume(']') {
			return true
		}
		for {
			if !s.skip(depth + 1) {
				return false
			}
			if s.consume(',') {
				continue
			}
			return s.consume(']')
		}
	case '"':
		return s.skipString()
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.skipNumber()
	}
}

// strStop marks the bytes that end the fast part of a string scan: the
// quote, the backslash and the control characters.
var strStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

// skipString reads and validates a string at s.i.
func (s *scanner) skipString() bool {
	b := s.b
	if s.i >= len(b) || b[s.i] != '"' {
		return false
	}
	j := s.i + 1
	for {
		for j < len(b) && !strStop[b[j]] {
			j++
		}
		if j >= len(b) {
			return false
		}
		switch c := b[j]; {
		case c == '"':
			s.i = j + 1
			return true
		case c == '\\':
			if j+1 >= len(b) {
				return false
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) {
					return false
				}
				for _, h := range b[j+2 : j+6] {
					if !isHex(h) {
						return false
					}
				}
				j += 6
			default:
				return false
			}
		default: // a control character
			return false
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipNumber reads and validates a number at s.i.
func (s *scanner) skipNumber() bool {
	b, j := s.b, s.i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	default:
		return false
	}
	if j < len(b) && b[j] == '.' {
		j++
		d := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == d {
			return false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		d := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == d {
			return false
		}
	}
	s.i = j
	return true
}
