package count

import (
	"bytes"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/output"
)

// TestWrite: the key of events with no user is null in JSON, an empty
// cell in CSV and (none) in a table; emails appear in tables only; bars
// never reach JSON or CSV.
func TestWrite(t *testing.T) {
	rows := []Row{
		{Key: "u1", Count: 7, Email: "a@example.com"},
		{None: true, Count: 5},
		{Key: "=cmd()", Count: 2},
	}
	tests := []struct {
		name string
		o    WriteOptions
		rows []Row
		want string
	}{
		{"json", WriteOptions{Format: output.FormatJSON, By: ByUser, Chart: true, Width: 80}, rows,
			`[{"key":"u1","count":7},{"key":null,"count":5},{"key":"=cmd()","count":2}]` + "\n"},
		{"csv", WriteOptions{Format: output.FormatCSV, By: ByUser, Chart: true, Width: 80}, rows,
			"user,count\nu1,7\n,5\n'=cmd(),2\n"},
		{"csv raw", WriteOptions{Format: output.FormatCSV, By: ByUser, CSVRaw: true}, rows,
			"user,count\nu1,7\n,5\n=cmd(),2\n"},
		{"table", WriteOptions{Format: output.FormatTable, By: ByUser}, rows,
			"USER    EMAIL          COUNT\n" +
				"u1      a@example.com      7\n" +
				"(none)  -                  5\n" +
				"=cmd()  -                  2\n" +
				"TOTAL                     14\n"},
		{"table with bars", WriteOptions{Format: output.FormatTable, By: ByClient, Chart: true, Width: 40}, []Row{{Key: "portal", Count: 8}, {None: true, Count: 3}},
			"CLIENT  COUNT\n" +
				"portal      8  █████████████████████████\n" +
				"(none)      3  █████████▍\n" +
				"TOTAL      11\n"},
		{"empty json", WriteOptions{Format: output.FormatJSON, By: ByDay}, nil, "[]\n"},
		{"total json", WriteOptions{Format: output.FormatJSON}, []Row{{Key: "total", Count: 42}}, "42\n"},
		{"total table", WriteOptions{Format: output.FormatTable, Chart: true}, []Row{{Key: "total", Count: 42}}, "42\n"},
		{"total csv", WriteOptions{Format: output.FormatCSV}, []Row{{Key: "total", Count: 42}}, "count\n42\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tt.rows, tt.o); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestParseBy(t *testing.T) {
	for in, want := range map[string]By{"": ByNone, " Day ": ByDay, "HOUR": ByHour, "ip": ByIP} {
		if got, err := ParseBy(in); err != nil || got != want {
			t.Errorf("ParseBy(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseBy("week"); err == nil || !strings.Contains(err.Error(), `"week": use activity, user, ip, client, day, hour`) {
		t.Errorf("ParseBy(week): %v", err)
	}
}
