package output

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// This file encodes events as JSON by appending to a reused buffer. For valid
// input the bytes are exactly those of json.Marshal(auditlog.Event) (with
// CreatedAt in UTC), HTML-safe escapes included, at a fraction of the cost:
// no reflection, and data is validated and copied in one pass instead of
// being scanned by encoding/json's byte-at-a-time state machine.
//
// Where json.Marshal would pass invalid UTF-8 through from data, or fail, the
// encoder repairs instead, so its output is always valid JSON in valid UTF-8:
// invalid UTF-8 becomes U+FFFD, and data that is not JSON at all is written
// as a JSON string holding its text.

const hexDigits = "0123456789abcdef"

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

// strSafe[b] is true for ASCII bytes that stand for themselves inside a JSON
// string; strSafeHTML additionally excludes <, > and &, which encoding/json
// escapes by default. Both are read-only.
var strSafe, strSafeHTML = func() (plain, html [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		ok := b != '"' && b != '\\'
		plain[b] = ok
		html[b] = ok && b != '<' && b != '>' && b != '&'
	}
	return plain, html
}()

// appendEvent appends e as one JSON object (no newline).
func appendEvent(dst []byte, e *auditlog.Event) ([]byte, error) {
	t := e.CreatedAt.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, fmt.Errorf("event %s: createdAt year %d outside 0-9999", Sanitize(e.ID), y)
	}
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, e.ID, true)
	dst = append(dst, `,"createdAt":"`...)
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","activityType":`...)
	dst = appendString(dst, e.ActivityType, true)
	if e.UserID != "" {
		dst = append(dst, `,"userID":`...)
		dst = appendString(dst, e.UserID, true)
	}
	if e.IPAddress != "" {
		dst = append(dst, `,"ipAddress":`...)
		dst = appendString(dst, e.IPAddress, true)
	}
	if e.UserAgent != "" {
		dst = append(dst, `,"userAgent":`...)
		dst = appendString(dst, e.UserAgent, true)
	}
	if e.ClientID != "" {
		dst = append(dst, `,"clientID":`...)
		dst = appendString(dst, e.ClientID, true)
	}
	dst = append(dst, `,"data":`...)
	dst = appendData(dst, e.Data, true)
	return append(dst, '}'), nil
}

// appendString appends s as a JSON string the way encoding/json does:
// \b \f \n \r \t and \" \\ short escapes, other control bytes as \u00XX,
// U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd, and with html also
// <, > and & as \u003c, \u003e, \u0026.
func appendString[S string | []byte](dst []byte, s S, html bool) []byte {
	safe := &strSafe
	if html {
		safe = &strSafeHTML
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		// A short conversion of at most utf8.UTFMax bytes stays on the stack.
		r, size := utf8.DecodeRuneInString(string(s[i:min(len(s), i+utf8.UTFMax)]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendData appends the event's data: compacted and HTML-escaped as
// json.Marshal does with a json.RawMessage when html is set, with invalid
// UTF-8 repaired. Empty data is null; data that is not JSON is written as a
// JSON string of its text.
func appendData(dst, data []byte, html bool) []byte {
	if len(data) == 0 {
		return append(dst, "null"...)
	}
	if out, ok := appendCompact(dst, data, html); ok {
		return out
	}
	return appendString(dst, data, html)
}

// appendCompact validates src as exactly one JSON value (with optional
// surrounding whitespace) and appends it without insignificant whitespace.
// Inside strings, invalid UTF-8 becomes \ufffd and, with html, <, >, &,
// U+2028 and U+2029 are escaped as encoding/json's Compact does. If src is
// not valid JSON, it returns dst unchanged and false.
func appendCompact(dst, src []byte, html bool) ([]byte, bool) {
	c := compactor{src: src, html: html}
	n := len(dst)
	out, ok := c.value(dst, 0)
	if ok {
		c.skipSpace()
		ok = c.i == len(src)
	}
	if !ok {
		return dst[:n], false
	}
	return out, true
}

// validJSON reports whether src is one valid JSON value.
func validJSON(src []byte) bool {
	c := compactor{src: src, check: true}
	_, ok := c.value(nil, 0)
	if ok {
		c.skipSpace()
		ok = c.i == len(src)
	}
	return ok && utf8.Valid(src)
}

type compactor struct {
	src   []byte
	i     int
	html  bool
	check bool // validate only: append nothing
}

func (c *compactor) skipSpace() {
	for c.i < len(c.src) {
		switch c.src[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *compactor) emit(dst []byte, b ...byte) []byte {
	if c.check {
		return dst
	}
	return append(dst, b...)
}

func (c *compactor) value(dst []byte, depth int) ([]byte, bool) {
	if depth > maxJSONDepth {
		return dst, false
	}
	c.skipSpace()
	if c.i >= len(c.src) {
		return dst, false
	}
	var ok bool
	switch b := c.src[c.i]; b {
	case '{', '[':
		end := byte('}')
		if b == '[' {
			end = ']'
		}
		c.i++
		dst = c.emit(dst, b)
		c.skipSpace()
		if c.i < len(c.src) && c.src[c.i] == end {
			c.i++
			return c.emit(dst, end), true
		}
		for {
			if b == '{' {
				c.skipSpace()
				if c.i >= len(c.src) || c.src[c.i] != '"' {
					return dst, false
				}
				if dst, ok = c.str(dst); !ok {
					return dst, false
				}
				c.skipSpace()
				if c.i >= len(c.src) || c.src[c.i] != ':' {
					return dst, false
				}
				c.i++
				dst = c.emit(dst, ':')
			}
			if dst, ok = c.value(dst, depth+1); !ok {
				return dst, false
			}
			c.skipSpace()
			if c.i >= len(c.src) {
				return dst, false
			}
			switch c.src[c.i] {
			case ',':
				c.i++
				dst = c.emit(dst, ',')
			case end:
				c.i++
				return c.emit(dst, end), true
			default:
				return dst, false
			}
		}
	case '"':
		return c.str(dst)
	case 't':
		return c.literal(dst, "true")
	case 'f':
		return c.literal(dst, "false")
	case 'n':
		return c.literal(dst, "null")
	default:
		return c.number(dst)
	}
}

func (c *compactor) literal(dst []byte, lit string) ([]byte, bool) {
	if len(c.src)-c.i < len(lit) || string(c.src[c.i:c.i+len(lit)]) != lit {
		return dst, false
	}
	c.i += len(lit)
	if c.check {
		return dst, true
	}
	return append(dst, lit...), true
}

// number accepts -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (c *compactor) number(dst []byte) ([]byte, bool) {
	s, i := c.src, c.i
	start := i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	default:
		return dst, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return dst, false
		}
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return dst, false
		}
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	c.i = i
	if c.check {
		return dst, true
	}
	return append(dst, s[start:i]...), true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isHex(b byte) bool {
	return isDigit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
}

// str copies a string token, validating its escapes.
func (c *compactor) str(dst []byte) ([]byte, bool) {
	s := c.src
	start := c.i // the opening quote
	safe := &strSafe
	if c.html {
		safe = &strSafeHTML
	}
	for i := c.i + 1; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			switch b {
			case '"':
				i++
				c.i = i
				if c.check {
					return dst, true
				}
				return append(dst, s[start:i]...), true
			case '\\':
				if i+1 >= len(s) {
					return dst, false
				}
				switch s[i+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					i += 2
				case 'u':
					if i+6 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
						return dst, false
					}
					i += 6
				default:
					return dst, false
				}
			case '<', '>', '&':
				if !c.check {
					dst = append(dst, s[start:i]...)
					dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
				}
				i++
				start = i
			default: // a control byte: not allowed in a JSON string
				return dst, false
			}
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			if !c.check {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
			}
			i++
			start = i
			continue
		}
		if c.html && (r == '\u2028' || r == '\u2029') {
			if !c.check {
				dst = append(dst, s[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	return dst, false // unterminated
}
