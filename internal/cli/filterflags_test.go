package cli

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func parseFilterFlags(t *testing.T, now time.Time, args ...string) (auditlog.Filter, error) {
	t.Helper()
	var (
		ff filterFlags
		zf zoneFlags
	)
	cmd := &cobra.Command{Use: "test"}
	ff.register(cmd.Flags())
	zf.register(cmd)
	if err := cmd.Flags().Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	loc, err := zf.resolve(func() *time.Location { return time.UTC })
	if err != nil {
		return auditlog.Filter{}, err
	}
	return ff.filter(now, loc)
}

func TestFilterFlags(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		args    []string
		want    auditlog.Filter
		wantErr string
	}{
		{name: "empty", args: nil, want: auditlog.Filter{}},
		{
			name: "activities repeated and comma-separated",
			args: []string{"--activity", "user_signed_out,USER_CREATED", "--activity", "user.authenticated"},
			want: auditlog.Filter{ActivityTypes: []string{"USER_AUTHENTICATED", "USER_CREATED", "USER_SIGNED_OUT"}},
		},
		{
			name: "bare dates: until includes the day",
			args: []string{"--since", "2026-11-01", "--until", "2026-11-24"},
			want: auditlog.Filter{Since: day(1), Until: day(25)},
		},
		{
			name: "dates in a zone",
			args: []string{"--since", "2026-11-01", "--tz", "Asia/Hong_Kong"},
			want: auditlog.Filter{Since: day(1).Add(-8 * time.Hour)},
		},
		{
			name: "relative age",
			args: []string{"--since", "90m"},
			want: auditlog.Filter{Since: now.Add(-90 * time.Minute)},
		},
		{
			name:    "unknown activity suggests",
			args:    []string{"--activity", "USER_AUTHENTICATD"},
			wantErr: `--activity: unknown activity "USER_AUTHENTICATD": did you mean "USER_AUTHENTICATED"? (see 'authgear-audit activity-types')`,
		},
		{
			name:    "bad since",
			args:    []string{"--since", "yesterday-ish"},
			wantErr: `--since: invalid time "yesterday-ish"`,
		},
		{
			name:    "bad until",
			args:    []string{"--until", "2026-13-01"},
			wantErr: `--until: invalid time "2026-13-01"`,
		},
		{
			name:    "since after until",
			args:    []string{"--since", "2026-11-25", "--until", "2026-11-24T00:00:00Z"},
			wantErr: "--since 2026-11-25 (2026-11-25T00:00:00Z) is not before --until 2026-11-24T00:00:00Z: give an --until after --since",
		},
		{
			name:    "since after a bare until date",
			args:    []string{"--since", "2026-11-29", "--until", "2026-11-28"},
			wantErr: "--since 2026-11-29 (2026-11-29T00:00:00Z) is not before --until 2026-11-28 (2026-11-29T00:00:00Z): a bare date in --until means the end of that day",
		},
		{
			name:    "until yesterday",
			args:    []string{"--since", "today", "--until", "yesterday"},
			wantErr: "--since today (2026-11-25T00:00:00Z) is not before --until yesterday (2026-11-25T00:00:00Z): a bare date in --until means the end of that day",
		},
		{
			name:    "since equal to until",
			args:    []string{"--since", "2026-11-24T00:00:00Z", "--until", "2026-11-24T00:00:00Z"},
			wantErr: "--since 2026-11-24T00:00:00Z is not before --until 2026-11-24T00:00:00Z",
		},
		{
			name:    "bad zone",
			args:    []string{"--tz", "Mars/Olympus"},
			wantErr: `--tz: unknown time zone "Mars/Olympus": use an IANA name such as Asia/Hong_Kong, or UTC`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFilterFlags(t, now, tt.args...)
			if tt.wantErr != "" {
				var u *UsageError
				if !errors.As(err, &u) {
					t.Fatalf("err = %v, want a usage error", err)
				}
				if msg := err.Error(); len(msg) < len(tt.wantErr) || msg[:len(tt.wantErr)] != tt.wantErr {
					t.Fatalf("err = %q, want it to start with %q", msg, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("filter = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFilterFlagsUsers(t *testing.T) {
	got, err := parseFilterFlags(t, time.Now(), "--user", "u1", "--user", "alice@example.com", "--user", "+85291234567")
	if err != nil {
		t.Fatal(err)
	}
	kinds := []auditlog.UserKind{auditlog.UserRawID, auditlog.UserEmail, auditlog.UserPhone}
	if len(got.Users) != len(kinds) {
		t.Fatalf("users = %+v", got.Users)
	}
	for i, k := range kinds {
		if got.Users[i].Kind != k {
			t.Errorf("user %d kind = %v, want %v", i, got.Users[i].Kind, k)
		}
	}
}
