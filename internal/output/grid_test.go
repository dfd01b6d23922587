package output

import (
	"bytes"
	"testing"
)

func TestWriteTable(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		rows   [][]string
		want   string
	}{
		{"aligned by the widest cell", []string{"NAME", "PROJECT"}, [][]string{{"prod", "my-app"}, {"staging-eu", "x"}},
			"NAME        PROJECT\nprod        my-app\nstaging-eu  x\n"},
		{"display width, not bytes", []string{"A", "B"}, [][]string{{"日本", "1"}, {"ab", "2"}},
			"A     B\n日本  1\nab    2\n"},
		{"control sequences shown escaped", []string{"K", "V"}, [][]string{{"a\x1b[31mred", "v"}},
			"K           V\na\\e[31mred  v\n"},
		{"no rows: the header only", []string{"ENUM", "GROUP"}, nil, "ENUM  GROUP\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTable(&b, tt.header, tt.rows); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
}

func TestWriteFields(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFields(&b, [][2]string{{"endpoint", "https://x"}, {"key ID", ""}, {"p", "\x07"}}); err != nil {
		t.Fatal(err)
	}
	want := "endpoint: https://x\nkey ID:   -\np:        \\x07\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}
