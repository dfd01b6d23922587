package auditlog_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-11-25T10:00:00Z", "2026-11-25T18:00:00.123456789+08:00", "2026-11-25t10:00:00z",
		"2026-11-25T10:00", "2026-11-25 10:00:00", "2026-11-01", "9999-12-31", "1970-01-01",
		"90m", "24h", "7d", "2w", "1h30m", "1d12h", "1.5h", "45s", "300ms", "0m", "-5m",
		"now", "today", "yesterday", "", " ", "x", "9999999999999999999h", "15300w", ".5d",
		"2026-02-30", "2026-11-25T24:00:00Z", "+08:00", "1µs",
	} {
		f.Add(s, int64(1764066600), false, "UTC")
		f.Add(s, int64(1764066600), true, "Asia/Hong_Kong")
	}
	f.Fuzz(func(t *testing.T, expr string, nowUnix int64, end bool, zone string) {
		loc, err := auditlog.ParseZone(zone)
		if err != nil {
			loc = time.UTC
		}
		// now is a real clock reading: between 1970 and 9999.
		now := time.Unix(1+absMod(nowUnix, 253402300799-1), 0)
		got, err := auditlog.ParseTime(expr, now, loc, end)
		again, err2 := auditlog.ParseTime(expr, now, loc, end)
		if (err == nil) != (err2 == nil) || !got.Equal(again) {
			t.Fatalf("ParseTime(%q) is not deterministic: %v %v / %v %v", expr, got, err, again, err2)
		}
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "invalid time ") || strings.Contains(msg, "\n") {
				t.Fatalf("ParseTime(%q): error is not one invalid-time line: %q", expr, msg)
			}
			if !got.IsZero() {
				t.Fatalf("ParseTime(%q) returned %v with an error", expr, got)
			}
			return
		}
		if got.Nanosecond() != 0 {
			t.Fatalf("ParseTime(%q) = %v, not a whole second", expr, got)
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, not UTC", expr, got)
		}
		if y := got.Year(); y < 1970 || y > 9999 {
			t.Fatalf("ParseTime(%q) = %v, year out of range", expr, got)
		}
		if _, err := time.Parse(time.RFC3339Nano, got.Format(time.RFC3339Nano)); err != nil {
			t.Fatalf("ParseTime(%q) = %v, which does not format as RFC 3339: %v", expr, got, err)
		}
		// An age is in the past; end only moves a time later.
		if !end {
			if other, err := auditlog.ParseTime(expr, now, loc, true); err == nil && other.Before(got) {
				t.Fatalf("ParseTime(%q): end=true gives %v, before %v", expr, other, got)
			}
		}
	})
}

func absMod(v, m int64) int64 {
	r := v % m
	if r < 0 {
		r += m
	}
	return r
}

func FuzzParseZone(f *testing.F) {
	for _, s := range []string{"UTC", "Local", "Asia/Hong_Kong", "asia/hong kong", "+08:00", "-0530", "+8", "UTC+14", "GMT-12:00", "+99", "../x", "", "Etc/GMT+5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		loc, err := auditlog.ParseZone(name)
		if err != nil {
			if loc != nil || !strings.HasPrefix(err.Error(), "unknown time zone ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("ParseZone(%q) = %v, %q", name, loc, err)
			}
			return
		}
		if loc == nil {
			t.Fatalf("ParseZone(%q) = nil location and no error", name)
		}
		_, off := time.Date(2026, 11, 25, 0, 0, 0, 0, loc).Zone()
		if off < -16*3600 || off > 16*3600 {
			t.Fatalf("ParseZone(%q): offset %d", name, off)
		}
	})
}

func FuzzExpandActivities(f *testing.F) {
	for _, s := range []string{
		"USER_AUTHENTICATED", "user.authenticated", "AUTHENTICATION_*", "authentication.*", "*_failed",
		"user", "admin-api", "admin_api", "user-activities", "ADMIN_ACTIVITIES", "usr.authenticated",
		"a,,b", ",", "", " * ", "?", "**?*", "usr.*", "*_faild", "project,messaging", "\xff*", "ü*",
	} {
		f.Add(s)
	}
	known := map[string]bool{}
	for _, a := range auditlog.Catalog() {
		known[a.Enum] = true
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		got, err := auditlog.ExpandActivities([]string{pattern})
		again, err2 := auditlog.ExpandActivities([]string{pattern})
		if !slices.Equal(got, again) || (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("ExpandActivities(%q) is not deterministic", pattern)
		}
		if err != nil {
			if got != nil {
				t.Fatalf("ExpandActivities(%q) returned %v with an error", pattern, got)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !(strings.HasPrefix(msg, "unknown activity ") ||
				strings.HasPrefix(msg, "no activity matches ") || strings.HasPrefix(msg, "empty activity ")) {
				t.Fatalf("ExpandActivities(%q): error %q", pattern, msg)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("ExpandActivities(%q) selected nothing without an error", pattern)
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Fatalf("ExpandActivities(%q) = %v: not sorted and unique", pattern, got)
		}
		for _, e := range got {
			if !known[e] {
				t.Fatalf("ExpandActivities(%q) returned %q, not in the catalog", pattern, e)
			}
		}
		// Each comma-separated item alone selects a subset of the whole.
		for item := range strings.SplitSeq(pattern, ",") {
			part, err := auditlog.ExpandActivities([]string{item})
			if err != nil {
				t.Fatalf("ExpandActivities(%q) works but its item %q fails: %v", pattern, item, err)
			}
			for _, e := range part {
				if _, ok := slices.BinarySearch(got, e); !ok {
					t.Fatalf("ExpandActivities(%q) lacks %s that item %q selects", pattern, e, item)
				}
			}
		}
	})
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func FuzzParseUser(f *testing.F) {
	for _, s := range []string{
		"e7d1c8a4-1b7a-4a0f-9d5e-2f1c3b4a5d6e", "u1", "VXNlcjp1MQ", "VXNlcjp1MQ==", "VXNlcjphPz4/",
		"QXVkaXRMb2c6ZXYx", "alice@example.com", "A@B.CO", "a@b", "@x.y", "+85298765432",
		"+852 9876-5432", "(852) 9876 5432", "98765432", "+0", "", " ", "a b", "\x00", "\xff",
		strings.Repeat("x", 201),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := auditlog.ParseUser(s)
		u2, err2 := auditlog.ParseUser(s)
		if (err == nil) != (err2 == nil) || u.Kind != u2.Kind || u.Value != u2.Value || u.RawID != u2.RawID {
			t.Fatalf("ParseUser(%q) is not deterministic", s)
		}
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("ParseUser(%q): error has a newline: %q", s, err)
			}
			return
		}
		if u.Input != strings.TrimSpace(s) || u.Input == "" {
			t.Fatalf("ParseUser(%q).Input = %q", s, u.Input)
		}
		switch u.Kind {
		case auditlog.UserEmail:
			if u.Value != strings.ToLower(u.Value) || strings.Count(u.Value, "@") != 1 || u.RawID != "" {
				t.Fatalf("ParseUser(%q) = %+v", s, u)
			}
		case auditlog.UserPhone:
			if !e164.MatchString(u.Value) || u.RawID != "" {
				t.Fatalf("ParseUser(%q) = %+v: not E.164", s, u)
			}
		case auditlog.UserNodeID:
			raw, ok := auditlog.UserIDFromNodeID(auditlog.UserNodeIDOf(u.RawID))
			if u.RawID == "" || !ok || raw != u.RawID {
				t.Fatalf("ParseUser(%q) = %+v: the node ID does not round-trip", s, u)
			}
		case auditlog.UserRawID:
			if u.RawID != u.Input || len(u.RawID) > 200 || strings.ContainsAny(u.RawID, " \t\r\n\x00") {
				t.Fatalf("ParseUser(%q) = %+v", s, u)
			}
			// Its node ID names the same user.
			v, err := auditlog.ParseUser(auditlog.UserNodeIDOf(u.RawID))
			if err != nil || v.Kind != auditlog.UserNodeID || v.RawID != u.RawID {
				t.Fatalf("ParseUser(UserNodeIDOf(%q)) = %+v, %v", u.RawID, v, err)
			}
		default:
			t.Fatalf("ParseUser(%q): kind %v", s, u.Kind)
		}
	})
}
