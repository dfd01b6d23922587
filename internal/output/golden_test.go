package output

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it after review):\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// hkt is a zone without daylight saving time, so goldens do not depend on
// the machine's zone.
var hkt = time.FixedZone("HKT", 8*3600)

func TestGolden(t *testing.T) {
	evs := fixtures()
	tests := []struct {
		file string
		o    Options
	}{
		{"events.jsonl", Options{Format: FormatJSONL}},
		{"events.json", Options{Format: FormatJSON}},
		{"events.csv", Options{Format: FormatCSV}},
		{"events-raw.csv", Options{Format: FormatCSV, CSVRaw: true}},
		{"events-columns.csv", Options{Format: FormatCSV, Columns: []string{"time", "type", "email", "data.context.geo_location_code", "data.payload.user.standard_attributes"}}},
		{"table-120.txt", Options{Format: FormatTable, Location: hkt}},
		{"table-utc-200.txt", Options{Format: FormatTable, UTC: true, Width: 200}},
		{"table-narrow-60.txt", Options{Format: FormatTable, Location: hkt, Width: 60}},
		{"table-columns.txt", Options{Format: FormatTable, UTC: true, Columns: []string{"id", "user", "email", "data.context.geo_location_code", "data"}}},
		{"table-80.txt", Options{Format: FormatTable, Location: hkt, Width: 80}},
		{"table-wide.txt", Options{Format: FormatWide, Location: hkt, Width: 80}},
		{"table-color.txt", Options{Format: FormatTable, UTC: true, Color: true}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			golden(t, tt.file, []byte(writeAll(t, tt.o, evs)))
		})
	}
	t.Run("kv", func(t *testing.T) {
		var b bytes.Buffer
		for _, e := range evs {
			if err := WriteKeyValue(&b, e, Options{Location: hkt}); err != nil {
				t.Fatal(err)
			}
			b.WriteString("---\n")
		}
		golden(t, "events-kv.txt", b.Bytes())
	})
}

// TestTerminalOutputIsInert checks that no planted escape sequence, control
// character or bidi control survives into table or key/value output, and
// that the CSV formula is guarded.
func TestTerminalOutputIsInert(t *testing.T) {
	evs := fixtures()
	var kv bytes.Buffer
	for _, e := range evs {
		WriteKeyValue(&kv, e, Options{UTC: true})
	}
	outputs := map[string]string{
		"table":       writeAll(t, Options{Format: FormatTable, UTC: true}, evs),
		"table-wide":  writeAll(t, Options{Format: FormatTable, UTC: true, Width: 400, Columns: []string{"id", "userAgent", "email", "data"}}, evs),
		"table-color": writeAll(t, Options{Format: FormatTable, UTC: true, Color: true}, evs),
		"kv":          kv.String(),
	}
	for name, out := range outputs {
		for _, r := range out {
			if r == '\n' {
				continue
			}
			if name == "table-color" && r == 0x1b {
				continue // our own colours, checked below
			}
			if r < 0x20 || r == 0x7f || unsafeRune(r) || r == '\uFFFD' {
				t.Errorf("%s: output holds %U", name, r)
			}
		}
	}
	// The only escape sequences in coloured output are our own SGR colours.
	plain := strings.NewReplacer("\x1b[31m", "", "\x1b[33m", "", "\x1b[0m", "").Replace(outputs["table-color"])
	if strings.ContainsRune(plain, 0x1b) {
		t.Errorf("coloured table holds a foreign escape sequence:\n%q", plain)
	}
	for _, name := range []string{"table-wide", "kv"} {
		for _, want := range []string{`\e[31mRED\e[0m`, `\e]8;;http://evil.example/\e\click me\e]8;;\e\`, `\u202egnp.exe\u202c`, `=HYPERLINK("http://evil","x")`} {
			if !strings.Contains(outputs[name], want) {
				t.Errorf("%s: %q is not shown escaped", name, want)
			}
		}
	}
	if strings.ContainsRune(outputs["table"], 0x1b) || strings.ContainsRune(outputs["table"], '\u202e') {
		t.Error("table holds a raw ESC or U+202E")
	}
	csvOut := writeAll(t, Options{Format: FormatCSV}, evs)
	if !strings.Contains(csvOut, `"'=HYPERLINK(""http://evil"",""x"")"`) {
		t.Errorf("CSV does not guard the formula:\n%s", csvOut)
	}
	for _, line := range readCSV(t, csvOut) {
		for _, cell := range line {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell %q would run as a formula", cell)
			}
		}
	}
}
