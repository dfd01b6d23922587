package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestView(t *testing.T) {
	evs := fixtures()[:2]
	write := func(format string, many bool, n int) string {
		t.Helper()
		var b bytes.Buffer
		w, err := NewView(&b, Options{Format: format, UTC: true}, many)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs[:n] {
			if err := w.Write(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	one := write(FormatJSON, false, 1)
	var obj map[string]any
	if err := json.Unmarshal([]byte(one), &obj); err != nil || !strings.HasPrefix(one, "{\n  \"id\": ") || obj["id"] != evs[0].ID {
		t.Errorf("one event: %v\n%s", err, one)
	}
	many := write(FormatJSON, true, 2)
	var arr []map[string]any
	if err := json.Unmarshal([]byte(many), &arr); err != nil || len(arr) != 2 || !strings.HasPrefix(many, "[\n  {\n    \"id\": ") || !strings.HasSuffix(many, "}\n]\n") {
		t.Errorf("two events: %v\n%s", err, many)
	}
	if got := write(FormatJSON, true, 0); got != "[]\n" {
		t.Errorf("no event of several: %q", got)
	}
	if got := write(FormatJSONL, true, 2); strings.Count(got, "\n") != 2 {
		t.Errorf("jsonl: %q", got)
	}
	table := write(FormatTable, true, 2)
	if blocks := strings.Split(strings.TrimSuffix(table, "\n"), "\n\n"); len(blocks) != 2 || !strings.HasPrefix(blocks[1], "id:           ev-ansi\n") {
		t.Errorf("table: %q", table)
	}
	if _, err := NewView(&bytes.Buffer{}, Options{Format: FormatCSV}, false); err == nil {
		t.Error("csv was accepted")
	}
}
