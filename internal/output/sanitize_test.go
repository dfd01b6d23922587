package output

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain text 123", "plain text 123"},
		{"日本語 é 😀 \u200d", "日本語 é 😀 \u200d"},
		{"\x1b[31mred\x1b[0m", `\e[31mred\e[0m`},
		{"\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\", `\e]8;;http://evil/\e\link\e]8;;\e\`},
		{"\x1b]0;title\x07", `\e]0;title\x07`},
		{"a\nb\rc\td", `a\nb\rc\td`},
		{"\x00\x01\x08\x7f", `\x00\x01\x08\x7f`},
		{"\u0085\u009b31m", `\u0085\u009b31m`},
		{"abc\u202egnp.exe", `abc\u202egnp.exe`},
		{"\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c", `\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c`},
		{"\u2028\u2029", `\u2028\u2029`},
		{"bad \xff\xfe utf8 \xe2\x80", `bad \xff\xfe utf8 \xe2\x80`},
		{`back\slash \e`, `back\slash \e`},
	}
	for _, tt := range tests {
		if got := Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitizeCleanDoesNotAllocate(t *testing.T) {
	s := strings.Repeat("Mozilla/5.0 日本語 ", 10)
	if n := testing.AllocsPerRun(100, func() { Sanitize(s) }); n != 0 {
		t.Errorf("%v allocations for clean text", n)
	}
}

// checkSanitized fails when out holds anything a terminal would interpret.
func checkSanitized(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Sanitize(%q) = %q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		if r < 0x20 || r == 0x7f || unsafeRune(r) {
			t.Fatalf("Sanitize(%q) = %q: holds %U", in, out, r)
		}
	}
	if again := Sanitize(out); again != out {
		t.Fatalf("Sanitize is not idempotent on %q: %q then %q", in, out, again)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred", "\x1b]8;;u\x1b\\x", "\u202e", "\xff", "\u0085", "\\e", "a\r\n\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		checkSanitized(t, s, out)
		if unsafeIndex(s) < 0 && out != s {
			t.Fatalf("clean %q changed to %q", s, out)
		}
	})
}
