package jsonscan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{}`, true}, {` [1, -0.5e+2, "a\u00e9\n", true, false, null, {"k": {}}] `, true},
		{`0`, true}, {`-0`, true}, {`1.0E9`, true},
		{``, false}, {` `, false}, {`01`, false}, {`1.`, false}, {`.5`, false}, {`-`, false}, {`1e`, false},
		{`{"a"}`, false}, {`{"a":1,}`, false}, {`[1,]`, false}, {`[1 2]`, false}, {`{} {}`, false},
		{`"\x"`, false}, {`"\u12g4"`, false}, {"\"a\tb\"", false}, {`"abc`, false}, {`tru`, false}, {`nul`, false},
		{"\"\xff\"", false}, // valid syntax, invalid UTF-8
		{strings.Repeat("[", 10001) + strings.Repeat("]", 10001), false},
		{strings.Repeat("[", 10000) + strings.Repeat("]", 10000), true},
	}
	for _, tt := range tests {
		if got := Valid([]byte(tt.in)); got != tt.want {
			t.Errorf("Valid(%.40q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzCompact checks Valid and AppendCompact against encoding/json.
func FuzzCompact(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5e-3, "<&>\u2028"], "b": null}`, "\"\xff\"", `{"a":}`, " 0 ", "[\"\u2029\"]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		valid := json.Valid(b) && utf8.Valid(b)
		if got := Valid(b); got != valid {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, got, valid)
		}
		for _, html := range []bool{false, true} {
			got, ok := AppendCompact([]byte("prefix"), b, html)
			if ok != json.Valid(b) {
				t.Fatalf("AppendCompact(%q) ok = %v, json.Valid says %v", b, ok, !ok)
			}
			if !ok {
				if string(got) != "prefix" {
					t.Fatalf("a failed AppendCompact changed dst: %q", got)
				}
				continue
			}
			got = got[len("prefix"):]
			if !utf8.Valid(got) || !json.Valid(got) {
				t.Fatalf("AppendCompact(%q) = %q: not valid UTF-8 JSON", b, got)
			}
			if !utf8.Valid(b) {
				continue // repaired: encoding/json would copy the bad bytes
			}
			var want bytes.Buffer
			if html {
				m, _ := json.Marshal(json.RawMessage(b))
				want.Write(m)
			} else {
				json.Compact(&want, b)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("AppendCompact(%q, html=%v) = %q, encoding/json %q", b, html, got, want.Bytes())
			}
		}
	})
}
