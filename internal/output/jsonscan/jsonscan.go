// Package jsonscan validates, compacts and escapes JSON by appending to
// byte slices, with the escaping rules of encoding/json (HTML-safe escapes
// optional) and without reflection. It is the fast path under output's
// JSON writers and archive's JSON lines reader.
package jsonscan

import "unicode/utf8"

// HexDigits are the lower-case hexadecimal digits.
const HexDigits = "0123456789abcdef"

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

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

// AppendString appends s as a JSON string the way encoding/json does:
// \b \f \n \r \t and \" \\ short escapes, other control bytes as \u00XX,
// U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd, and with html also
// <, > and & as \u003c, \u003e, \u0026.
func AppendString[S string | []byte](dst []byte, s S, html bool) []byte {
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
				dst = append(dst, '\\', 'u', '0', '0', HexDigits[b>>4], HexDigits[b&0xF])
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
			dst = append(dst, '\\', 'u', '2', '0', '2', HexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendCompact validates src as exactly one JSON value (with optional
// surrounding whitespace) and appends it without insignificant whitespace.
// Inside strings, invalid UTF-8 becomes \ufffd and, with html, <, >, &,
// U+2028 and U+2029 are escaped as encoding/json's Compact does. If src is
// not valid JSON, it returns dst unchanged and false.
func AppendCompact(dst, src []byte, html bool) ([]byte, bool) {
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

// Valid reports whether src is one valid JSON value.
func Valid(src []byte) bool {
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
	c.skipSpace()
	if c.i >= len(c.src) {
		return dst, false
	}
	var ok bool
	switch b := c.src[c.i]; b {
	case '{', '[':
		if depth >= maxDepth { // encoding/json refuses the 10001st level
			return dst, false
		}
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
					dst = append(dst, '\\', 'u', '0', '0', HexDigits[b>>4], HexDigits[b&0xF])
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
				dst = append(dst, '\\', 'u', '2', '0', '2', HexDigits[r&0xF])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	return dst, false // unterminated
}

// Value validates the one JSON value that starts at src[i], after any white
// space, and returns its bounds src[start:end]. Like encoding/json's
// scanner, it accepts invalid UTF-8 inside strings.
func Value(src []byte, i int) (start, end int, ok bool) {
	c := compactor{src: src, i: i, check: true}
	c.skipSpace()
	start = c.i
	_, ok = c.value(nil, 0)
	return start, c.i, ok
}

// SkipSpace returns the index of the first byte at or after i that is not
// JSON white space (len(src) if there is none).
func SkipSpace(src []byte, i int) int {
	c := compactor{src: src, i: i}
	c.skipSpace()
	return c.i
}
