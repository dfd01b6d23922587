package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
)

// localRef is the reference answer of --ip, --client and --country,
// written apart from the product's matcher.
type localRef struct {
	ips       []string
	clients   []string
	countries []string
}

func (r localRef) match(t testing.TB, e adminapitest.Event) bool {
	if len(r.ips) > 0 {
		a, err := netip.ParseAddr(e.IPAddress)
		if err != nil {
			return false
		}
		ok := false
		for _, s := range r.ips {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				p = netip.PrefixFrom(netip.MustParseAddr(s), netip.MustParseAddr(s).BitLen())
			}
			ok = ok || p.Contains(a)
		}
		if !ok {
			return false
		}
	}
	if len(r.clients) > 0 && !slices.Contains(r.clients, e.ClientID) {
		return false
	}
	if len(r.countries) > 0 {
		var d struct {
			Context struct {
				Geo *string `json:"geo_location_code"`
			} `json:"context"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.Context.Geo == nil || !slices.ContainsFunc(r.countries, func(c string) bool { return strings.EqualFold(c, *d.Context.Geo) }) {
			return false
		}
	}
	return true
}

func (r localRef) filter(t testing.TB, events []adminapitest.Event) []adminapitest.Event {
	var out []adminapitest.Event
	for _, e := range events {
		if r.match(t, e) {
			out = append(out, e)
		}
	}
	return out
}

var localCases = []struct {
	name string
	args []string
	ref  localRef
}{
	{"IPv4 block", []string{"--ip", "203.0.113.0/24"}, localRef{ips: []string{"203.0.113.0/24"}}},
	{"IPv6 block", []string{"--ip", "2001:db8::/32"}, localRef{ips: []string{"2001:db8::/32"}}},
	{"blocks OR-ed, comma and repeat", []string{"--ip", "198.51.100.0/25,2001:db8::/32", "--ip", "192.0.2.7"}, localRef{ips: []string{"198.51.100.0/25", "2001:db8::/32", "192.0.2.7"}}},
	{"client", []string{"--client", "mobile-ios"}, localRef{clients: []string{"mobile-ios"}}},
	{"clients OR-ed", []string{"--client", "mobile-ios", "--client", "portal-web"}, localRef{clients: []string{"mobile-ios", "portal-web"}}},
	{"country in any case", []string{"--country", "hk"}, localRef{countries: []string{"HK"}}},
	{"all three AND-ed", []string{"--ip", "203.0.113.0/24,2001:db8::/32", "--client", "portal-web", "--country", "HK,US"},
		localRef{ips: []string{"203.0.113.0/24", "2001:db8::/32"}, clients: []string{"portal-web"}, countries: []string{"HK", "US"}}},
}

// --ip, --client and --country on search (API and --input) and count: the
// events of the API's range that pass them, whatever else filters.
func TestLocalFiltersSearchAndCount(t *testing.T) {
	events, users := adminapitest.Generate(adminapitest.GenOptions{Seed: 23, Count: 1500, Bursts: 1, BurstSize: 150})
	s := adminapitest.New(t, adminapitest.WithEvents(events, users))
	all := s.Select(adminapi.Selection{})
	auth := s.Select(adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}})
	file := filepath.Join(t.TempDir(), "all.jsonl.gz")
	writeExport(t, file, all)

	for _, tt := range localCases {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.ref.filter(t, all)
			if len(want) == 0 || len(want) == len(all) {
				t.Fatalf("%d of %d events match: a useless case", len(want), len(all))
			}
			for _, src := range [][]string{connArgs(t, s), {"--input", file}} {
				app, out, errb := newAPITestApp(t, nil)
				args := append(append([]string{"search", "--limit", "0", "--sort", "asc", "-o", "jsonl"}, tt.args...), src...)
				if code := runApp(t, app, args...); code != 0 {
					t.Fatalf("exit %d: %s", code, errb)
				}
				checkExactlyOnce(t, jsonlEvents(t, out.Bytes()), want, false)
			}

			// With an API filter too, and a limit that counts matching events.
			wantAuth := tt.ref.filter(t, auth)
			slices.Reverse(wantAuth)
			if len(wantAuth) > 5 {
				wantAuth = wantAuth[:5]
			}
			app, out, errb := newAPITestApp(t, nil)
			args := append(append([]string{"search", "--limit", "5", "--activity", "USER_AUTHENTICATED", "-o", "jsonl"}, tt.args...), connArgs(t, s)...)
			if code := runApp(t, app, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			checkExactlyOnce(t, jsonlEvents(t, out.Bytes()), wantAuth, true)

			// count: not totalCount, which cannot know; a notice says so.
			app, out, errb = newAPITestApp(t, nil)
			if code := runApp(t, app, append(append([]string{"count", "-o", "json"}, tt.args...), connArgs(t, s)...)...); code != 0 {
				t.Fatalf("count: exit %d: %s", code, errb)
			}
			if got := strings.TrimSpace(out.String()); got != strconv.Itoa(len(want)) {
				t.Errorf("count = %s, want %d", got, len(want))
			}
			if !strings.Contains(errb.String(), "counting downloads every event of the range: the API cannot filter by --") {
				t.Errorf("no notice on stderr: %q", errb)
			}
			app, out, errb = newAPITestApp(t, nil)
			if code := runApp(t, app, append(append([]string{"count", "--by", "activity", "--jq", "map(.count) | add // 0"}, tt.args...), connArgs(t, s)...)...); code != 0 {
				t.Fatalf("count --by activity: exit %d: %s", code, errb)
			}
			if got := strings.TrimSpace(out.String()); got != strconv.Itoa(len(want)) {
				t.Errorf("count --by activity sums to %s, want %d", got, len(want))
			}
		})
	}
}

func TestLocalFilterBadValues(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"search", "--ip", "300.1.1.1"}, `--ip: "300.1.1.1" is not an IP address or CIDR block (such as 203.0.113.7 or 203.0.113.0/24)`},
		{[]string{"export", "--ip", "203.0.113.0/33"}, `--ip: "203.0.113.0/33" is not an IP address or CIDR block (such as 203.0.113.0/24 or 2001:db8::/32)`},
		{[]string{"tail", "--ip", "203.0.113.0/24,"}, `--ip: "" is not an IP address or CIDR block (such as 203.0.113.7 or 203.0.113.0/24)`},
		{[]string{"count", "--country", "HKG"}, `--country: "HKG" is not a country code: give two letters (ISO 3166-1 alpha-2), such as HK or us`},
		{[]string{"search", "--country", "H1"}, `--country: "H1" is not a country code: give two letters (ISO 3166-1 alpha-2), such as HK or us`},
		{[]string{"search", "--client", " "}, "--client is empty: give an OAuth client ID"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, out, errb := newTestApp(t, nil)
			if code := runApp(t, app, tt.args...); code != ExitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if l := stderrLines(errb); len(l) == 0 || l[0] != "authgear-audit: "+tt.want {
				t.Errorf("stderr %q, want first %q", l, "authgear-audit: "+tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

// export writes only what passes, and --state records the local filters:
// a later run with others is refused, naming the difference.
func TestLocalFiltersExport(t *testing.T) {
	s, start := stateServer(t, 29)
	until := start.Add(5 * 24 * time.Hour)
	ref := localRef{ips: []string{"203.0.113.0/24", "2001:db8::/32"}, countries: []string{"HK", "JP", "US"}}
	want := ref.filter(t, s.Select(adminapi.Selection{From: start, To: until}))
	dir := t.TempDir()
	flags := []string{"--ip", "203.0.113.0/24", "--ip", "2001:db8::/32", "--country", "us,jp", "--country", "HK"}

	for _, parallel := range []string{"1", "4"} {
		out := filepath.Join(dir, "p"+parallel+".csv")
		code, _, errb := runExportCmd(t, s, append([]string{"export", "--since", rfc(start), "--until", rfc(until), "--out", out, "--parallel", parallel}, flags...)...)
		if code != 0 {
			t.Fatalf("--parallel %s: exit %d: %s", parallel, code, errb)
		}
		checkExactlyOnce(t, readExport(t, out), want, false)
		if !strings.Contains(errb.String(), fmt.Sprintf("exported %d events", len(want))) {
			t.Errorf("the summary does not count what was written: %s", errb)
		}
	}

	state, outDir := filepath.Join(dir, "state.json"), filepath.Join(dir, "archive")
	code, _, errb := runExportCmd(t, s, append([]string{"export", "--state", state, "--out-dir", outDir, "--since", rfc(start), "--until", rfc(until)}, flags...)...)
	if code != 0 {
		t.Fatalf("--state: exit %d: %s", code, errb)
	}
	st, err := incremental.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(st.Filter.IPs, " ") + "|" + strings.Join(st.Filter.Countries, " "); got != "2001:db8::/32 203.0.113.0/24|HK JP US" {
		t.Errorf("the state records %q", got)
	}
	checkExactlyOnce(t, checkOutDir(t, outDir, start, until), want, false)

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--ip", "203.0.113.0/24", "--ip", "2001:db8::/32", "--country", "US"}, "--country was HK, JP, US, now US"},
		{nil, "--ip was 2001:db8::/32, 203.0.113.0/24, now none"},
		{append([]string{"--client", "portal-web"}, flags...), "--client was none, now portal-web"},
	} {
		code, _, errb := runExportCmd(t, s, append([]string{"export", "--state", state, "--out-dir", outDir}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d: %s, want %q", tt.args, code, errb, tt.want)
		}
	}
	// The same filters, in another order and case: the next run goes on.
	code, _, errb = runExportCmd(t, s, "export", "--state", state, "--out-dir", outDir, "--country", "hk", "--country", "jp,us",
		"--ip", "2001:db8::/32,203.0.113.0/24", "--until", rfc(until.Add(time.Hour)))
	if code != 0 {
		t.Errorf("the same filters: exit %d: %s", code, errb)
	}
	// verify cannot ask the API to count such an export: it checks the
	// manifest, and says so.
	code, stdout, errb := runExportCmd(t, s, "verify", outDir)
	if code != 0 || !strings.Contains(stdout.String(), "ok: complete and clean") || !strings.Contains(errb.String(), "which the API cannot count") {
		t.Errorf("verify: exit %d:\n%s%s", code, stdout, errb)
	}
	if left, _ := os.ReadDir(outDir); len(left) == 0 {
		t.Error("no files")
	}
}

// tail's backlog is the newest matching events; new ones are filtered too.
func TestLocalFiltersTail(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	mk := func(id, ip string, at time.Time) adminapitest.Event {
		return adminapitest.Event{ID: id, CreatedAt: at, ActivityType: "USER_AUTHENTICATED", IPAddress: ip,
			Data: []byte(fmt.Sprintf(`{"id":%q,"context":{"ip_address":%q}}`, id, ip))}
	}
	s := adminapitest.New(t)
	for i := range 30 {
		ip := "198.51.100.1"
		if i%10 == 3 {
			ip = "203.0.113." + strconv.Itoa(i)
		}
		s.Add(mk("old-"+strconv.Itoa(i), ip, start.Add(-time.Duration(60-i)*time.Second)))
	}
	out := &lockedBuffer{}
	app, _, errb := newTestApp(t, nil)
	app.IO.Out = out
	app.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	ids := func() []string {
		var got []string
		for _, e := range jsonlEvents(t, out.Bytes()) {
			got = append(got, e.ID)
		}
		return got
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	args := append([]string{"tail", "-n", "2", "--ip", "203.0.113.0/24", "--interval", "10ms", "--lag", "2s", "-o", "jsonl"}, connArgs(t, s)...)
	go func() { done <- run(ctx, app, args) }()
	waitFor(t, "the backlog", done, errb, func() bool { return len(ids()) >= 2 })
	s.Add(mk("new-other", "198.51.100.1", start.Add(time.Second)), mk("new-match", "203.0.113.200", start.Add(time.Second)))
	clock.Store(start.Add(10 * time.Second).UnixNano())
	waitFor(t, "the new event", done, errb, func() bool { return len(ids()) >= 3 })
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if got, want := strings.Join(ids(), " "), "old-13 old-23 new-match"; got != want {
		t.Errorf("printed %s, want %s", got, want)
	}
}
