package output

import (
	"strings"
	"unicode/utf8"
)

// Sanitize makes text from event data or from a server safe to print on a
// terminal: everything that a terminal would interpret instead of showing is
// replaced by a visible escape, so the text is displayed, never executed.
//
//   - ESC, which starts every ANSI CSI and OSC sequence (colours, cursor
//     movement, window titles, OSC 8 hyperlinks), becomes \e, so "\x1b[31m"
//     shows as `\e[31m`;
//   - newline, carriage return and tab become \n, \r and \t, other C0
//     controls and DEL become \xNN;
//   - C1 controls (U+0080-U+009F, among them the one-byte CSI U+009B), the
//     Unicode bidi controls (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069,
//     U+061C) and the line and paragraph separators U+2028 and U+2029 become
//     \uNNNN;
//   - bytes that are not valid UTF-8 become \xNN.
//
// Backslashes are left alone, so Sanitize(Sanitize(s)) == Sanitize(s), and
// text without any of these characters comes back unchanged (and without
// allocating).
func Sanitize(s string) string {
	i := unsafeIndex(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == 0x1b:
				b.WriteString(`\e`)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20 || c == 0x7f:
				b.WriteString(`\x`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xF])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xF])
		case unsafeRune(r):
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hexDigits[(r>>shift)&0xF])
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeIndex is the index of the first byte that Sanitize must replace, or
// -1.
func unsafeIndex(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports the non-ASCII runes that Sanitize escapes.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // ALM, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}
