package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// shortTies are the orders of ties to test: all of them, or with -short
// only PostgreSQL's, the one a real server uses.
func shortTies() []adminapitest.Ties {
	if testing.Short() {
		return []adminapitest.Ties{adminapitest.TiesPostgres}
	}
	return adminapitest.AllTies()
}

// The commands that walk the API print every event exactly once whatever
// order the server gives ties in: two seconds of 700 events, about 320 of
// one type and 200 of one user, are more than twice a page under any filter
// (checked below), where a real server's bounded heap sort leaves events
// out of pages at offsets 0, 100, 200, ... The drains of such seconds are
// what the test is about; 400 other events put ordinary pages around them,
// and the events' data is slim.
func TestCommandsUnderEveryTieOrder(t *testing.T) {
	t.Parallel()
	end := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	from := end.Add(-6 * time.Hour)
	evs, users := adminapitest.Generate(adminapitest.GenOptions{
		Seed: 5, Count: 400, Start: from, End: end, Bursts: 2, BurstSize: 700, Users: 3,
	})
	slimData(evs)
	actor := busiestUser(evs, users, func(adminapitest.User) bool { return true })
	auth := []string{"USER_AUTHENTICATED"}
	two := []string{"USER_AUTHENTICATED", "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"}
	for _, b := range burstSeconds(evs) {
		for name, keep := range map[string]func(adminapitest.Event) bool{
			"one type":  func(e adminapitest.Event) bool { return slices.Contains(auth, e.ActivityType) },
			"two types": func(e adminapitest.Event) bool { return slices.Contains(two, e.ActivityType) },
			"one user":  func(e adminapitest.Event) bool { return e.UserID == actor.ID },
		} {
			n := 0
			for _, e := range evs {
				if e.CreatedAt.Equal(b) && keep(e) {
					n++
				}
			}
			if n <= 2*adminapi.MaxPageSize {
				t.Fatalf("second %s holds %d events of %s: not more than twice a page", b, n, name)
			}
		}
	}
	span := []string{"--since", rfc(from), "--until", rfc(end)}
	for _, ties := range shortTies() {
		t.Run(ties.String(), func(t *testing.T) {
			t.Parallel()
			s := adminapitest.New(t, adminapitest.WithEvents(evs, users), adminapitest.WithTies(ties))
			searches := []struct {
				name string
				args []string
				sel  adminapi.Selection
				asc  bool
			}{
				{"one type, newest first", []string{"--activity", "USER_AUTHENTICATED"}, adminapi.Selection{ActivityTypes: auth}, false},
				{"two types, oldest first", []string{"--activity", "USER_AUTHENTICATED,AUTHENTICATION_PRIMARY_PASSWORD_FAILED", "--sort", "asc"}, adminapi.Selection{ActivityTypes: two}, true},
				{"one user, oldest first", []string{"--user", actor.ID, "--sort", "asc"}, adminapi.Selection{UserIDs: []string{auditlog.UserNodeIDOf(actor.ID)}}, true},
				{"everything, newest first", nil, adminapi.Selection{}, false},
			}
			for _, tt := range searches {
				t.Run("search "+tt.name, func(t *testing.T) {
					t.Parallel()
					app, out, errb := newAPITestApp(t, nil)
					args := append([]string{"search", "--limit", "0", "-o", "jsonl"}, tt.args...)
					if code := runApp(t, app, append(args, connArgs(t, s)...)...); code != 0 {
						t.Fatalf("exit %d: %s", code, errb)
					}
					checkExactlyOnce(t, jsonlEvents(t, out.Bytes()), s.Select(tt.sel), !tt.asc)
				})
			}
			exports := []struct {
				parallel int
				types    []string
			}{{1, auth}, {8, nil}, {8, two}}
			for _, tt := range exports {
				t.Run(fmt.Sprintf("export parallel %d types %v", tt.parallel, tt.types), func(t *testing.T) {
					t.Parallel()
					out := filepath.Join(t.TempDir(), "x.jsonl")
					args := append([]string{"export", "--parallel", fmt.Sprint(tt.parallel), "--out", out}, span...)
					for _, typ := range tt.types {
						args = append(args, "--activity", typ)
					}
					if code, _, errb := runExportCmd(t, s, args...); code != 0 {
						t.Fatalf("exit %d: %s", code, errb)
					}
					checkExactlyOnce(t, readExport(t, out), s.Select(adminapi.Selection{ActivityTypes: tt.types, From: from, To: end}), false)
				})
			}
			t.Run("count by user", func(t *testing.T) {
				t.Parallel()
				app, _, _ := newAPITestApp(t, nil)
				got := countOf(t, app, append(append([]string{"--by", "user", "--activity", "USER_AUTHENTICATED"}, span...), connArgs(t, s)...)...)
				want := refCounts(s.Select(adminapi.Selection{ActivityTypes: auth, From: from, To: end}), func(e adminapitest.Event) string { return e.UserID })
				if len(got) != len(want) {
					t.Fatalf("%d users counted, want %d", len(got), len(want))
				}
				for k, n := range want {
					if got[k] != n {
						t.Errorf("user %q: %d events counted, want %d", k, got[k], n)
					}
				}
			})
		})
	}
}

// TestTailBurstsUnderEveryTieOrder: tail prints each event of bursts that
// arrive while it follows exactly once, under every order of ties.
func TestTailBurstsUnderEveryTieOrder(t *testing.T) {
	t.Parallel()
	start := time.Now().UTC().Truncate(time.Second)
	for _, ties := range shortTies() {
		t.Run(ties.String(), func(t *testing.T) {
			t.Parallel()
			var clock atomic.Int64
			clock.Store(start.UnixNano())
			s := adminapitest.New(t, adminapitest.WithTies(ties))
			out := &lockedBuffer{}
			app, _, errb := newTestApp(t, nil)
			app.IO.Out, app.Now = out, func() time.Time { return time.Unix(0, clock.Load()) }
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan int, 1)
			args := append([]string{"tail", "--activity", "USER_AUTHENTICATED", "--interval", "10ms", "--lag", "2s"}, connArgs(t, s)...)
			go func() { done <- run(ctx, app, args) }()
			// Once the backlog is asked for, everything from here on is new.
			waitFor(t, "the backlog", done, errb, func() bool { return s.Requests() > 0 })

			// Two bursts of 600 sign-ins in one second each, among other
			// events, after tail has started.
			for b, at := range []time.Time{start.Add(time.Second), start.Add(3 * time.Second)} {
				burst, _ := adminapitest.Generate(adminapitest.GenOptions{Seed: int64(b + 1), Count: 50, Start: at.Add(-time.Second), End: at.Add(time.Second), Users: 5})
				for i := range burst { // IDs of their own: each Generate counts from 1
					burst[i].ID = fmt.Sprintf("g%d-%s", b, burst[i].ID)
					burst[i].Seq += int64(b+1) * 1_000_000
				}
				for i := range 600 {
					id := fmt.Sprintf("b%d-%04d", b, i)
					burst = append(burst, adminapitest.Event{ID: id, Seq: int64(b+1)*1_000_000 + 1000 + int64(i), CreatedAt: at, ActivityType: "USER_AUTHENTICATED",
						Data: []byte(fmt.Sprintf(`{"id":%q,"type":"user.authenticated","context":{"timestamp":%d}}`, id, at.Unix()))})
				}
				s.Add(burst...)
			}
			want := s.Select(adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED"}})
			clock.Store(start.Add(10 * time.Second).UnixNano())
			waitFor(t, "the bursts", done, errb, func() bool { return len(jsonlEvents(t, out.Bytes())) >= len(want) })
			cancel()
			if code := <-done; code != 0 {
				t.Fatalf("exit %d after Ctrl-C, want 0: %s", code, errb)
			}
			checkExactlyOnce(t, jsonlEvents(t, out.Bytes()), want, false)
		})
	}
}

// TestSearchBusySecondNeverAddsUp: a server that counts an event of a busy
// second but never returns it makes search fail with exit 4 and a message
// that names the second and the filter and says what to try; --verbose
// lists the windows the drain read.
func TestSearchBusySecondNeverAddsUp(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 22, 4, 4, 4, 0, time.UTC)
	var evs []adminapitest.Event
	for i := range 512 {
		id := fmt.Sprintf("m%04d", i)
		evs = append(evs, adminapitest.Event{ID: id, Seq: int64(i + 1), CreatedAt: at, ActivityType: "EMAIL_SENT",
			Data: []byte(fmt.Sprintf(`{"id":%q,"type":"email.sent"}`, id))})
	}
	s := adminapitest.New(t, adminapitest.WithEvents(evs, nil))
	s.Hide("m0007")
	for _, verbose := range []bool{false, true} {
		app, out, errb := newAPITestApp(t, nil)
		args := append([]string{"search", "--activity", "EMAIL_SENT", "--limit", "0", "-o", "jsonl"}, connArgs(t, s)...)
		if verbose {
			args = append(args, "--verbose")
		}
		if code := runApp(t, app, args...); code != ExitAPI {
			t.Fatalf("verbose=%v: exit %d, want %d: %s", verbose, code, ExitAPI, errb)
		}
		msg := errb.String()
		for _, want := range []string{
			"second 2026-11-22T04:04:04Z (filtered by activity EMAIL_SENT): saw 511 of 512 events after",
			"Try again later, or leave --activity and --user out",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("verbose=%v: stderr %q, want it to say %q", verbose, msg, want)
			}
		}
		if got := strings.Contains(msg, "windows read:\n  whole second offset 0 first 100: "); got != verbose {
			t.Errorf("verbose=%v: windows listed = %v: %s", verbose, got, msg)
		}
		if out.Len() != 0 {
			t.Errorf("verbose=%v: printed %d bytes of a second that never added up", verbose, out.Len())
		}
	}
}
