package adminapitest

import (
	"encoding/json"
	"testing"
)

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	vals := []any{
		nil, true, false, 0, -42, int64(1764064800), 0.5, 1e-7, 1.5e300, 123456789.125, 1e21, -0.000001,
		"", "plain", "quote\" back\\slash", "\x1b[31mred\x1b[0m", "\x00\x01\x1f\x7f", "<a href='x'>&amp;</a>",
		"\u202Eevil\u202C", "line\u2028sep\u2029", "Zoë 山田 😀", "bad \xff utf8", "tab\tcr\rnl\n",
		[]string{}, []string{"a", "<b>"},
		json.RawMessage(`{"z":1,"a":[true]}`),
		map[string]any{}, map[string]any{"b": 1, "a": map[string]any{"y": nil, "x": []string{"q"}}, "é": "ü"},
	}
	for _, v := range vals {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSON(nil, v); string(got) != string(want) {
			t.Errorf("%#v:\n got %s\nwant %s", v, got, want)
		}
	}
}
