package auditlog_test

import (
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := auditlog.ParseZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	hk := mustZone(t, "Asia/Hong_Kong")
	ny := mustZone(t, "America/New_York")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		expr string
		loc  *time.Location
		end  bool
		want time.Time
	}{
		{"2026-11-25T10:00:00Z", nil, false, utc("2026-11-25T10:00:00Z")},
		{"2026-11-25T10:00:00Z", hk, true, utc("2026-11-25T10:00:00Z")},
		{"2026-11-25T18:00:00+08:00", nil, false, utc("2026-11-25T10:00:00Z")},
		{"2026-11-25T10:00:00.25-05:00", nil, false, utc("2026-11-25T15:00:01Z")},
		{"2026-11-25t10:00:00z", nil, false, utc("2026-11-25T10:00:00Z")},
		{"2026-11-25 10:00:00Z", nil, false, utc("2026-11-25T10:00:00Z")},
		{"  2026-11-25T10:00:00Z  ", nil, false, utc("2026-11-25T10:00:00Z")},
		{"2026-11-25T10:00", nil, false, utc("2026-11-25T10:00:00Z")},
		{"2026-11-25T10:00", hk, false, utc("2026-11-25T02:00:00Z")},
		{"2026-11-25 10:00:00", hk, true, utc("2026-11-25T02:00:00Z")},
		{"2026-11-25T10:00:00.5", nil, false, utc("2026-11-25T10:00:01Z")},
		{"2026-11-01", nil, false, utc("2026-11-01T00:00:00Z")},
		{"2026-11-01", nil, true, utc("2026-11-02T00:00:00Z")},
		{"2026-11-01", hk, false, utc("2026-10-31T16:00:00Z")},
		{"2026-11-01", hk, true, utc("2026-11-01T16:00:00Z")},
		{"2026-12-31", nil, true, utc("2027-01-01T00:00:00Z")},
		// 2026-11-01 is 25 hours long in New York (DST ends).
		{"2026-11-01", ny, false, utc("2026-11-01T04:00:00Z")},
		{"2026-11-01", ny, true, utc("2026-11-02T05:00:00Z")},
		{"90m", nil, false, utc("2026-11-25T09:00:00Z")},
		{"90m", hk, true, utc("2026-11-25T09:00:00Z")},
		{"24h", nil, false, utc("2026-11-24T10:30:00Z")},
		{"7d", nil, false, utc("2026-11-18T10:30:00Z")},
		{"7D", nil, false, utc("2026-11-18T10:30:00Z")},
		{"2w", nil, false, utc("2026-11-11T10:30:00Z")},
		{"1h30m", nil, false, utc("2026-11-25T09:00:00Z")},
		{"1d12h", nil, false, utc("2026-11-23T22:30:00Z")},
		{"1.5h", nil, false, utc("2026-11-25T09:00:00Z")},
		{"45s", nil, false, utc("2026-11-25T10:29:15Z")},
		{"1500ms", nil, false, utc("2026-11-25T10:29:59Z")},
		{"now", nil, false, now},
		{"NOW", hk, true, now},
		{"today", nil, false, utc("2026-11-25T00:00:00Z")},
		{"today", nil, true, utc("2026-11-26T00:00:00Z")},
		{"today", hk, false, utc("2026-11-24T16:00:00Z")},
		{"yesterday", nil, false, utc("2026-11-24T00:00:00Z")},
		{"yesterday", nil, true, utc("2026-11-25T00:00:00Z")},
		{"yesterday", hk, true, utc("2026-11-24T16:00:00Z")},
		{"1970-01-01T00:00:00Z", nil, false, utc("1970-01-01T00:00:00Z")},
		{"9999-12-31T23:59:59Z", nil, false, utc("9999-12-31T23:59:59Z")},
	}
	for _, tt := range tests {
		got, err := auditlog.ParseTime(tt.expr, now, tt.loc, tt.end)
		if err != nil {
			t.Errorf("ParseTime(%q, %v, end=%v): %v", tt.expr, tt.loc, tt.end, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q, %v, end=%v) = %v, want %v", tt.expr, tt.loc, tt.end, got, tt.want)
		}
	}
}

// A clock reading has a fraction of a second; every time parsed from it is
// rounded up to a whole second, which selects the same events (createdAt
// is whole seconds) and is what the API, the state and file names hold.
func TestParseTimeWholeSeconds(t *testing.T) {
	now := time.Date(2026, 11, 28, 7, 23, 21, 209147100, time.UTC)
	tests := []struct {
		expr string
		end  bool
		want time.Time
	}{
		{"90d", false, time.Date(2026, 8, 30, 7, 23, 22, 0, time.UTC)},
		{"90d", true, time.Date(2026, 8, 30, 7, 23, 22, 0, time.UTC)},
		{"1.5s", false, time.Date(2026, 11, 28, 7, 23, 20, 0, time.UTC)},
		{"now", true, time.Date(2026, 11, 28, 7, 23, 22, 0, time.UTC)},
		{"today", false, time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)},
		{"2026-11-28T07:00:00.000000001Z", false, time.Date(2026, 11, 28, 7, 0, 1, 0, time.UTC)},
		{"2026-11-28T07:00:00.999Z", true, time.Date(2026, 11, 28, 7, 0, 1, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := auditlog.ParseTime(tt.expr, now, nil, tt.end)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q, end=%v) = %v, %v; want %v", tt.expr, tt.end, got, err, tt.want)
		}
	}
}

func TestParseTimeErrors(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	const forms = ": use RFC 3339 (2026-11-25T10:00:00Z), a date (2026-11-25), an age (90m, 24h, 7d, 2w) or now"
	tests := []struct{ expr, want string }{
		{"", `invalid time ""` + forms},
		{"x", `invalid time "x"` + forms},
		{"last week", `invalid time "last week"` + forms},
		{"2026-13-01", `invalid time "2026-13-01"` + forms},
		{"2026-11-31", `invalid time "2026-11-31"` + forms},
		{"2026-11-25T25:00:00Z", `invalid time "2026-11-25T25:00:00Z"` + forms},
		{"2026/11/25", `invalid time "2026/11/25"` + forms},
		{"25-11-2026", `invalid time "25-11-2026"` + forms},
		{"1764064800", `invalid time "1764064800"` + forms},
		{"7", `invalid time "7"` + forms},
		{"d", `invalid time "d"` + forms},
		{"7days", `invalid time "7days"` + forms},
		{"7y", `invalid time "7y"` + forms},
		{"1h 30m", `invalid time "1h 30m"` + forms},
		{"0m", `invalid time "0m": an age must be longer than zero`},
		{"0d0h", `invalid time "0d0h": an age must be longer than zero`},
		{"-5m", `invalid time "-5m": an age counts back from now and cannot be negative: write 5m`},
		{"-x", `invalid time "-x"` + forms},
		{"9999999999999999999h", `invalid time "9999999999999999999h": the age is too long`},
		{"15300w", `invalid time "15300w": the age is too long`},
		{"1000000h", `invalid time "1000000h": the year must be between 1970 and 9999`},
		{"1969-12-31", `invalid time "1969-12-31": the year must be between 1970 and 9999`},
		{"0000-01-01T00:00:00Z", `invalid time "0000-01-01T00:00:00Z": the year must be between 1970 and 9999`},
		{"9999-12-31", `invalid time "9999-12-31": the year must be between 1970 and 9999`},
	}
	for _, tt := range tests {
		end := tt.expr == "9999-12-31" // its end is in the year 10000
		got, err := auditlog.ParseTime(tt.expr, now, nil, end)
		if err == nil {
			t.Errorf("ParseTime(%q) = %v, want error %s", tt.expr, got, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseTime(%q)\n got %s\nwant %s", tt.expr, err, tt.want)
		}
	}
}

func TestParseZone(t *testing.T) {
	tests := []struct {
		name   string
		offset int // seconds east of UTC on 2026-11-25
	}{
		{"UTC", 0},
		{"utc", 0},
		{"Z", 0},
		{"Asia/Hong_Kong", 8 * 3600},
		{"Europe/London", 0},
		{"America/New_York", -5 * 3600},
		{"Asia/Kolkata", 5*3600 + 1800},
		{"+08:00", 8 * 3600},
		{"+0800", 8 * 3600},
		{"+8", 8 * 3600},
		{"-05:30", -(5*3600 + 1800)},
		{"UTC+8", 8 * 3600},
		{"GMT-3", -3 * 3600},
		{"+14:00", 14 * 3600},
	}
	for _, tt := range tests {
		loc, err := auditlog.ParseZone(tt.name)
		if err != nil {
			t.Errorf("ParseZone(%q): %v", tt.name, err)
			continue
		}
		_, off := time.Date(2026, 11, 25, 12, 0, 0, 0, loc).Zone()
		if off != tt.offset {
			t.Errorf("ParseZone(%q) offset %d, want %d", tt.name, off, tt.offset)
		}
	}
	if loc, err := auditlog.ParseZone("Local"); err != nil || loc != time.Local {
		t.Errorf("ParseZone(Local) = %v, %v", loc, err)
	}
}

func TestParseZoneErrors(t *testing.T) {
	const use = ": use an IANA name such as Asia/Hong_Kong, or UTC"
	tests := []struct{ name, want string }{
		{"Asia/HongKong", `unknown time zone "Asia/HongKong"` + use},
		{"", `unknown time zone ""` + use},
		{"Mars/Olympus", `unknown time zone "Mars/Olympus"` + use},
		{"+15:00", `unknown time zone "+15:00"` + use},
		{"+08:60", `unknown time zone "+08:60"` + use},
		{"+8:00", `unknown time zone "+8:00"` + use},
		{"../../etc/passwd", `unknown time zone "../../etc/passwd"` + use},
		{"/etc/localtime", `unknown time zone "/etc/localtime"` + use},
		{"asia/hong kong", `unknown time zone "asia/hong kong": did you mean Asia/Hong_Kong?`},
		{"america/new_york", `unknown time zone "america/new_york": did you mean America/New_York?`},
	}
	for _, tt := range tests {
		loc, err := auditlog.ParseZone(tt.name)
		if err == nil {
			t.Errorf("ParseZone(%q) = %v, want error %s", tt.name, loc, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ParseZone(%q)\n got %s\nwant %s", tt.name, err, tt.want)
		}
	}
}

func TestIsDay(t *testing.T) {
	for expr, want := range map[string]bool{
		"2026-11-28": true, " 2026-11-28 ": true, "today": true, "Yesterday": true,
		"2026-11-28T00:00:00Z": false, "2026-11-28T10:00": false, "now": false, "7d": false, "2026-13-01": false,
	} {
		if got := auditlog.IsDay(expr); got != want {
			t.Errorf("IsDay(%q) = %v, want %v", expr, got, want)
		}
	}
}

// TestReadInSomeZone: a time typed without an offset names different
// instants in different zones; one typed with an offset, an age or now
// does not.
func TestReadInSomeZone(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		expr     string
		floating bool
		t        time.Time
		want     bool
	}{
		{"2026-11-01", true, at("2026-11-01T00:00:00Z"), true},
		{"2026-11-01", true, at("2026-10-31T16:00:00Z"), true},  // Asia/Hong_Kong
		{"2026-11-01", true, at("2026-11-01T05:00:00Z"), true},  // America/New_York
		{"2026-11-01", true, at("2026-10-31T18:15:00Z"), true},  // Asia/Kathmandu, +05:45
		{"2026-11-01", true, at("2026-10-30T00:00:00Z"), false}, // two days off
		{"2026-11-01", true, at("2026-10-31T23:59:00Z"), false}, // no zone has that offset
		{"2026-11-01T10:00", true, at("2026-11-01T02:00:00Z"), true},
		{"today", true, at("2026-11-24T16:00:00Z"), true},
		{"2026-11-01T00:00:00Z", false, at("2026-10-31T16:00:00Z"), false},
		{"2026-11-01T00:00:00+08:00", false, at("2026-10-31T16:00:00Z"), false},
		{"7d", false, now.Add(-7 * 24 * time.Hour), false},
		{"now", false, now, false},
		{"not a time", false, now, false},
	}
	for _, tt := range tests {
		if got := auditlog.Floating(tt.expr, now); got != tt.floating {
			t.Errorf("Floating(%q) = %v, want %v", tt.expr, got, tt.floating)
		}
		if got := auditlog.ReadInSomeZone(tt.expr, now, tt.t); got != tt.want {
			t.Errorf("ReadInSomeZone(%q, %s) = %v, want %v", tt.expr, tt.t.Format(time.RFC3339), got, tt.want)
		}
	}
}
