package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
)

// plainEvent is an event of the stand-in with a user and an IP address.
func plainEvent(id string, at time.Time, typ string) adminapitest.Event {
	return adminapitest.Event{
		ID: id, CreatedAt: at, ActivityType: typ, UserID: "user-" + id, IPAddress: "203.0.113.7",
		Data: []byte(fmt.Sprintf(`{"id":%q,"type":"x","context":{"timestamp":%d,"user_id":"user-%s"}}`, id, at.Unix(), id)),
	}
}

// zoneServer holds one event a second before and one at each midnight of
// Hong Kong, UTC and New York on the day of now (in Hong Kong).
func zoneServer(t *testing.T, now time.Time) (*adminapitest.Server, map[string]time.Time) {
	t.Helper()
	hk, _ := time.LoadLocation("Asia/Hong_Kong")
	ny, _ := time.LoadLocation("America/New_York")
	d := now.In(hk)
	marks := map[string]time.Time{
		"hk":  time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, hk),
		"utc": time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC),
		"ny":  time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, ny),
	}
	s := adminapitest.New(t)
	for name, at := range marks {
		s.Add(plainEvent(name+"-before", at.Add(-time.Second), "USER_AUTHENTICATED"), plainEvent(name, at, "USER_AUTHENTICATED"))
	}
	return s, marks
}

// TestZoneReadsTypedTimes: a date typed without an offset is midnight in the
// local zone (TZ), in UTC with --utc and in ZONE with --tz ZONE; --tz wins
// over TZ. The table header names the zone and shows the times in it.
func TestZoneReadsTypedTimes(t *testing.T) {
	now := time.Now()
	s, marks := zoneServer(t, now)
	day := now.In(marks["hk"].Location()).Format("2006-01-02")
	tests := []struct {
		name   string
		tz     string
		args   []string
		first  string // the oldest event selected
		header string
	}{
		{"local zone", "Asia/Hong_Kong", nil, "hk", "TIME (+08)"},
		{"--utc", "Asia/Hong_Kong", []string{"--utc"}, "utc", "TIME (UTC)"},
		{"--tz over TZ", "Asia/Hong_Kong", []string{"--tz", "America/New_York"}, "ny", "TIME (-05)"},
		{"--tz UTC", "America/New_York", []string{"--tz", "UTC"}, "utc", "TIME (UTC)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, since := range []string{day, day + "T00:00"} {
				app, out, errb := newAPITestApp(t, map[string]string{"TZ": tt.tz})
				args := append([]string{"search", "--since", since, "--sort", "asc", "-o", "jsonl"}, tt.args...)
				if code := runApp(t, app, append(args, connArgs(t, s)...)...); code != 0 {
					t.Fatalf("exit %d: %s", code, errb)
				}
				evs := jsonlEvents(t, out.Bytes())
				if len(evs) == 0 || evs[0].ID != tt.first {
					t.Fatalf("--since %s: first event %v, want %s", since, evs, tt.first)
				}
				for _, e := range evs {
					if e.CreatedAt.Before(marks[tt.first]) {
						t.Errorf("--since %s: %s at %s is before %s", since, e.ID, e.CreatedAt, marks[tt.first])
					}
				}
				if !strings.Contains(out.String(), `"createdAt":"`+marks[tt.first].UTC().Format(time.RFC3339)+`"`) {
					t.Errorf("JSON does not carry the UTC time %s:\n%s", marks[tt.first].UTC().Format(time.RFC3339), out)
				}
			}

			app, out, errb := newAPITestApp(t, map[string]string{"TZ": tt.tz})
			args := append([]string{"search", "--since", day, "--sort", "asc", "-o", "table", "--limit", "1"}, tt.args...)
			if code := runApp(t, app, append(args, connArgs(t, s)...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			lines := strings.Split(out.String(), "\n")
			if !strings.HasPrefix(lines[0], tt.header+" ") {
				t.Errorf("header %q, want it to start with %q", lines[0], tt.header)
			}
			if want := day + " 00:00:00 "; !strings.HasPrefix(lines[1], want) {
				t.Errorf("row %q, want it to start with %q (midnight in the zone)", lines[1], want)
			}
		})
	}
}

// TestZoneToday: today and yesterday are days of the zone (--until
// yesterday, like a bare date, includes that whole day).
func TestZoneToday(t *testing.T) {
	now := time.Now()
	s, marks := zoneServer(t, now)
	app, out, errb := newAPITestApp(t, map[string]string{"TZ": "Asia/Hong_Kong"})
	if code := runApp(t, app, append([]string{"search", "--since", "yesterday", "--until", "yesterday", "-o", "jsonl"}, connArgs(t, s)...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, e := range jsonlEvents(t, out.Bytes()) {
		if !e.CreatedAt.Before(marks["hk"]) || e.CreatedAt.Before(marks["hk"].AddDate(0, 0, -1)) {
			t.Errorf("%s at %s is not of yesterday in Hong Kong", e.ID, e.CreatedAt)
		}
	}
	if !strings.Contains(out.String(), `"hk-before"`) {
		t.Errorf("the last second of yesterday in Hong Kong is missing:\n%s", out)
	}
}

func TestZoneFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"search", "--utc", "--tz", "Asia/Hong_Kong"}, "--utc and --tz both set the zone: give one of them"},
		{[]string{"get", "x", "--tz", "Mars/Olympus"}, `--tz: unknown time zone "Mars/Olympus": use an IANA name such as Asia/Hong_Kong, or UTC`},
		{[]string{"export", "--tz", "asia/hong kong"}, `--tz: unknown time zone "asia/hong kong": did you mean Asia/Hong_Kong?`},
		{[]string{"verify", "--tz", "+25:00", "x"}, `--tz: unknown time zone "+25:00"`},
	}
	for _, tt := range tests {
		app, out, errb := newTestApp(t, nil)
		if code := runApp(t, app, tt.args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", tt.args, code, ExitUsage)
		}
		if lines := stderrLines(errb); len(lines) == 0 || !strings.HasPrefix(lines[0], "authgear-audit: "+tt.msg) {
			t.Errorf("%v: stderr %q, want %q", tt.args, lines, tt.msg)
		}
		if out.Len() != 0 {
			t.Errorf("%v: stdout %q", tt.args, out)
		}
	}
}

// TestZoneEveryCommand: every command that reads or shows times takes
// --utc and --tz, and its help says that they apply to reading and showing.
func TestZoneEveryCommand(t *testing.T) {
	for _, name := range []string{"search", "export", "tail", "count", "get", "verify"} {
		app, out, errb := newTestApp(t, nil)
		if code := runApp(t, app, name, "--help"); code != 0 {
			t.Fatalf("%s --help: exit %d: %s", name, code, errb)
		}
		for _, want := range []string{"--utc ", "read and show times in UTC", "--tz string", "read and show times in this zone"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s --help does not say %q", name, want)
			}
		}
	}
	app, out, _ := newTestApp(t, nil)
	runApp(t, app, "--help")
	if !strings.Contains(out.String(), zoneRule) {
		t.Errorf("the root help does not state the zone rule:\n%s", out)
	}
}

// TestZoneVerifyAndCount: verify reads a typed --since in the zone and
// reports the range in UTC; count's days and hours are those of the zone.
func TestZoneVerifyAndCount(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "x.jsonl")
	at := time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC) // 09:00 in Hong Kong
	line := `{"id":"a","createdAt":"` + at.Format(time.RFC3339) + `","activityType":"USER_CREATED","data":{}}` + "\n"
	if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	app, out, errb := newTestApp(t, map[string]string{"TZ": "Asia/Hong_Kong"})
	if code := runApp(t, app, "verify", "--offline", "--since", "2026-11-01", "--until", "2026-11-01", file); code != 0 {
		t.Fatalf("verify: exit %d: %s%s", code, out, errb)
	}
	if want := "2026-10-31T16:00:00Z to 2026-11-01T16:00:00Z"; !strings.Contains(out.String(), want) {
		t.Errorf("verify report %q does not name the range %s", out, want)
	}

	for _, tt := range []struct {
		env  string
		args []string
		want string
	}{
		{"Asia/Hong_Kong", []string{"--by", "day"}, `[{"key":"2026-11-01","count":1}]`},
		{"America/New_York", []string{"--by", "day"}, `[{"key":"2026-10-31","count":1}]`},
		{"America/New_York", []string{"--by", "day", "--utc"}, `[{"key":"2026-11-01","count":1}]`},
		{"UTC", []string{"--by", "hour", "--tz", "Asia/Kolkata"}, `[{"key":"2026-11-01T06:00+05:30","count":1}]`},
	} {
		app, out, errb := newTestApp(t, map[string]string{"TZ": tt.env})
		if code := runApp(t, app, append([]string{"count", "--input", file, "-o", "json"}, tt.args...)...); code != 0 {
			t.Fatalf("count: exit %d: %s", code, errb)
		}
		if got := strings.TrimSpace(out.String()); got != tt.want {
			t.Errorf("TZ=%s count %v = %s, want %s", tt.env, tt.args, got, tt.want)
		}
	}
	app, out, _ = newTestApp(t, map[string]string{"TZ": "Asia/Hong_Kong"})
	runApp(t, app, "count", "--input", file, "--by", "day", "-o", "table")
	if !strings.HasPrefix(out.String(), "DAY (+08)") {
		t.Errorf("count table header does not name the zone:\n%s", out)
	}
}

// TestZoneStateKeepsWorking: the state and file names record UTC instants;
// a cron line that repeats its --since keeps working when a later run reads
// times in another zone.
func TestZoneStateKeepsWorking(t *testing.T) {
	s, start := stateServer(t, 43)
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	out := filepath.Join(dir, "out")
	run := func(tz string, args ...string) {
		t.Helper()
		app, _, errb := newAPITestApp(t, map[string]string{"TZ": tz})
		if code := runApp(t, app, append(append(connArgs(t, s), "export", "--state", state, "--out-dir", out), args...)...); code != 0 {
			t.Fatalf("TZ=%s %v: exit %d: %s", tz, args, code, errb)
		}
	}
	day := start.Format("2006-01-02")
	run("UTC", "--since", day, "--until", rfc(start.Add(48*time.Hour)))
	run("Asia/Hong_Kong", "--since", day, "--until", rfc(start.Add(72*time.Hour)))
	run("America/New_York", "--since", day, "--until", rfc(start.Add(96*time.Hour)))

	st, err := incremental.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Start.Equal(start) || !st.LastEnd.Equal(start.Add(96*time.Hour)) {
		t.Errorf("state start %s, end %s", rfc(st.Start), rfc(st.LastEnd))
	}
	objs := loadObjects(t, out)
	if len(objs) != 3 || !strings.HasPrefix(objs[1].Key, "data/audit-20261103T000000Z-20261104T000000Z-") {
		t.Errorf("objects: %+v", objs)
	}
	checkOutDir(t, out, start, start.Add(96*time.Hour))

	// Another --since is still refused.
	app, _, errb := newAPITestApp(t, map[string]string{"TZ": "UTC"})
	code := runApp(t, app, append(connArgs(t, s), "export", "--state", state, "--out-dir", out, "--since", start.AddDate(0, 0, 2).Format("2006-01-02"))...)
	if code != ExitUsage || !strings.Contains(errb.String(), "omit --since") {
		t.Errorf("another --since: exit %d: %s", code, errb)
	}
}

// TestZoneRuleInTheReadme: the README states the rule in one section, in
// the terms of --help, and shows -o wide.
func TestZoneRuleInTheReadme(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	if strings.Count(readme, "\n## Time zones\n") != 1 {
		t.Fatal("the README has no section Time zones")
	}
	section := readme[strings.Index(readme, "\n## Time zones\n"):]
	section = section[:strings.Index(section[1:], "\n## ")+1]
	for _, want := range []string{"read in the local zone", "`--utc` or `--tz ZONE`", "for both", "named in the header",
		"JSON and CSV always carry UTC", "state file", "manifest", "file names", "`export` and `verify`"} {
		if !strings.Contains(section, want) {
			t.Errorf("the section Time zones does not say %q", want)
		}
	}
	for _, want := range []string{"read in the local zone", "--utc or --tz ZONE", "for both", "named\nin the header", "JSON and CSV always carry UTC"} {
		if !strings.Contains(zoneRule, want) {
			t.Errorf("the help does not say %q", want)
		}
	}
	if !strings.Contains(readme, "-o wide") {
		t.Error("the README does not show -o wide")
	}
}

// TestZoneExport: export reads a typed range in the zone, and writes UTC.
func TestZoneExport(t *testing.T) {
	s, start := stateServer(t, 44)
	hk, _ := time.LoadLocation("Asia/Hong_Kong")
	from := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, hk)
	app, out, errb := newAPITestApp(t, map[string]string{"TZ": "Asia/Hong_Kong"})
	day := from.Format("2006-01-02")
	if code := runApp(t, app, append(connArgs(t, s), "export", "--since", day, "--until", day, "-o", "csv")...); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	got := readStream(t, "csv", out.Bytes())
	checkExactlyOnce(t, got, s.Select(adminapi.Selection{From: from, To: from.AddDate(0, 0, 1)}), false)
	if !strings.Contains(out.String(), ","+got[0].CreatedAt.UTC().Format(time.RFC3339)+",") {
		t.Errorf("CSV does not carry UTC times:\n%.300s", out)
	}
}
