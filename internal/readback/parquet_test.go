package readback

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/codec"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// TestParquetSearchLikeJSONL: search over a Parquet file finds exactly
// what it finds over the same events as JSON lines, filter by filter.
func TestParquetSearchLikeJSONL(t *testing.T) {
	dir := t.TempDir()
	evs := generatedEvents(1200)
	pq := writeAs(t, dir, "x.parquet", codec.FormatParquet, evs)
	jl := writeAs(t, dir, "x.jsonl", output.FormatJSONL, evs)
	someUser := evs[7].UserID
	var recipient string
	for _, e := range evs {
		if strings.Contains(string(e.Data), `"recipient":"user`) {
			recipient = gjsonRecipient(e)
			break
		}
	}
	filters := map[string]auditlog.Filter{
		"everything":     {},
		"authentication": {ActivityTypes: []string{"USER_AUTHENTICATED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"}},
		"a day":          {Since: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)},
		"a user":         {Users: []auditlog.UserRef{{Kind: auditlog.UserRawID, RawID: someUser}}},
		"a recipient":    {Users: []auditlog.UserRef{{Kind: auditlog.UserEmail, Value: recipient}}},
	}
	for name, f := range filters {
		for _, desc := range []bool{false, true} {
			search := func(path string) []string {
				var ids []string
				err := Search(context.Background(), Files(path), f, desc, 0, func(e *auditlog.Event) error {
					ids = append(ids, canon(t, e))
					return nil
				})
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				return ids
			}
			got, want := search(pq), search(jl)
			if len(want) == 0 {
				t.Fatalf("%s: the filter matches nothing, which proves nothing", name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s (desc %v): Parquet gave %d events, JSON lines %d, or different ones", name, desc, len(got), len(want))
			}
		}
	}
}

// TestDirFilesPartitions: a folder of Hive partitions is read day by day,
// each day's files in name order, after the folder's own files.
func TestDirFilesPartitions(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "a.jsonl")
	for _, p := range []string{"dt=2026-11-21", "dt=2026-11-20", "other"} {
		if err := os.Mkdir(filepath.Join(dir, p), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	touch(t, filepath.Join(dir, "dt=2026-11-21"), "audit-b.parquet", "audit-a.parquet", "notes.txt")
	touch(t, filepath.Join(dir, "dt=2026-11-20"), "audit-z.parquet")
	touch(t, filepath.Join(dir, "other"), "x.parquet")
	got, err := DirFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.jsonl", "dt=2026-11-20/audit-z.parquet", "dt=2026-11-21/audit-a.parquet", "dt=2026-11-21/audit-b.parquet"}
	for i := range want {
		want[i] = filepath.Join(dir, filepath.FromSlash(want[i]))
	}
	if !slices.Equal(got, want) {
		t.Errorf("DirFiles = %v, want %v", got, want)
	}
}

func gjsonRecipient(e *auditlog.Event) string {
	return gjson.GetBytes(e.Data, "payload.recipient").String()
}
