package readback

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// searchFixture writes 30 events, three a second, every other one
// USER_AUTHENTICATED, oldest first as an export is.
func searchFixture(t *testing.T) string {
	t.Helper()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var b []byte
	for i := range 30 {
		typ := "USER_AUTHENTICATED"
		if i%2 == 1 {
			typ = "EMAIL_SENT"
		}
		line, _ := json.Marshal(map[string]any{
			"id": fmt.Sprintf("e%02d", i), "createdAt": t0.Add(time.Duration(i/3) * time.Second).Format(time.RFC3339),
			"activityType": typ, "data": map[string]any{"id": fmt.Sprintf("e%02d", i)},
		})
		b = append(append(b, line...), '\n')
	}
	path := filepath.Join(t.TempDir(), "x.jsonl")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSearch(t *testing.T) {
	path := searchFixture(t)
	auth := auditlog.Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}}
	tests := []struct {
		name  string
		f     auditlog.Filter
		desc  bool
		limit int
		want  []string
	}{
		{"oldest first, limit", auth, false, 3, []string{"e00", "e02", "e04"}},
		{"newest first, limit: the newest, ties in reverse file order", auth, true, 3, []string{"e28", "e26", "e24"}},
		{"newest first, everything", auditlog.Filter{Since: time.Date(2026, 11, 25, 10, 0, 8, 0, time.UTC)}, true, 0,
			[]string{"e29", "e28", "e27", "e26", "e25", "e24"}},
		{"nothing matches", auditlog.Filter{ActivityTypes: []string{"USER_CREATED"}}, true, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := Search(context.Background(), Files(path), tt.f, tt.desc, tt.limit, func(e *auditlog.Event) error {
				got = append(got, e.ID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEachStopsOnError(t *testing.T) {
	path := searchFixture(t)
	stop := fmt.Errorf("enough")
	n := 0
	err := Each(context.Background(), Files(path), func(*auditlog.Event) error {
		n++
		if n == 4 {
			return stop
		}
		return nil
	})
	if err != stop || n != 4 {
		t.Errorf("Each = %v after %d events, want the callback's error after 4", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Each(ctx, Files(path), func(*auditlog.Event) error { return nil }); err != context.Canceled {
		t.Errorf("Each with a cancelled context = %v", err)
	}
}
