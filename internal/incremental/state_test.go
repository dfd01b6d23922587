package incremental

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st := &State{
		Endpoint: "https://myapp.authgear.cloud/_api/admin/graphql",
		Project:  "myapp",
		Filter:   Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}, Users: []string{"email:a@example.com"}},
		Format:   "jsonl", Compression: "gzip",
		Start:   ts("2026-11-01T00:00:00Z"),
		LastEnd: ts("2026-11-02T00:00:00Z"),
		Pending: &Pending{From: ts("2026-11-02T00:00:00Z"), To: ts("2026-11-03T00:00:00Z"), File: "f.jsonl.gz", Format: "jsonl"},
	}
	if err := st.Save(path, ts("2026-11-03T00:00:05Z")); err != nil {
		t.Fatal(err)
	}
	got, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != StateVersion || !got.LastEnd.Equal(st.LastEnd) || got.Pending == nil ||
		got.Pending.File != "f.jsonl.gz" || !got.Filter.Equal(st.Filter) || got.Project != "myapp" {
		t.Errorf("round trip: got %+v", got)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("state mode %#o, want 0600", fi.Mode().Perm())
		}
	}
	// A missing state is a first run, not an error.
	if got, err := LoadState(filepath.Join(t.TempDir(), "none.json")); got != nil || err != nil {
		t.Errorf("missing state: %v, %v", got, err)
	}
}

func TestLoadStateRefuses(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"not json", "{", "not valid JSON"},
		{"newer", `{"version": 99}`, "upgrade authgear-audit"},
		{"no version", `{"lastEnd": "2026-11-01T00:00:00Z"}`, "no version"},
		{"reversed pending", `{"version":1,"pending":{"from":"2026-11-02T00:00:00Z","to":"2026-11-01T00:00:00Z","file":"x"}}`, "empty or reversed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			os.WriteFile(path, []byte(tt.body), 0o600)
			_, err := LoadState(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("LoadState = %v, want an error naming the file and %q", err, tt.want)
			}
		})
	}
}

func TestFilterOfNormalises(t *testing.T) {
	a := FilterOf(auditlog.Filter{
		ActivityTypes: []string{"USER_SIGNED_UP", "USER_AUTHENTICATED", "USER_SIGNED_UP"},
		Users: []auditlog.UserRef{
			{Kind: auditlog.UserNodeID, Input: "VXNlcjp1MQ", RawID: "u1"},
			{Kind: auditlog.UserEmail, Input: "A@Example.com", Value: "A@Example.com"},
		},
	})
	b := FilterOf(auditlog.Filter{
		ActivityTypes: []string{"USER_AUTHENTICATED", "USER_SIGNED_UP"},
		Users: []auditlog.UserRef{
			{Kind: auditlog.UserEmail, Input: "a@example.com", Value: "a@example.com"},
			{Kind: auditlog.UserRawID, Input: "u1", RawID: "u1"},
		},
	})
	if !a.Equal(b) {
		t.Errorf("same filters given differently: %+v != %+v", a, b)
	}
	if want := []string{"email:a@example.com", "id:u1"}; strings.Join(a.Users, " ") != strings.Join(want, " ") {
		t.Errorf("users %q, want %q", a.Users, want)
	}
	if UserArg("email:a@example.com") != "a@example.com" || UserArg("id:u1") != "u1" {
		t.Error("UserArg does not invert UserKey")
	}
}

func TestStateCheck(t *testing.T) {
	st := &State{
		Endpoint: "https://myapp.authgear.cloud/_api/admin/graphql",
		Project:  "myapp",
		Filter:   Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}},
	}
	tests := []struct {
		name string
		id   Identity
		want []string // substrings of the error; nil = no error
	}{
		{"same", Identity{"https://myapp.authgear.cloud/_api/admin/graphql", "myapp", Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}}, Destination{}}, nil},
		{"trailing slash", Identity{"https://myapp.authgear.cloud/_api/admin/graphql/", "myapp", Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}}, Destination{}}, nil},
		{"project", Identity{st.Endpoint, "other", st.Filter, Destination{}}, []string{`project was "myapp", now "other"`}},
		{"endpoint", Identity{"https://other.example/graphql", "myapp", st.Filter, Destination{}}, []string{"endpoint was"}},
		{"activity", Identity{st.Endpoint, "myapp", Filter{}, Destination{}}, []string{"--activity was USER_AUTHENTICATED, now all types"}},
		{"user and activity", Identity{st.Endpoint, "myapp", Filter{Users: []string{"id:u1"}}, Destination{}}, []string{"--activity was", "--user was none, now id:u1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := st.Check("s.json", tt.id)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var m *MismatchError
			if !errors.As(err, &m) {
				t.Fatalf("Check = %v, want *MismatchError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "s.json") {
				t.Errorf("message %q does not name the state file", err)
			}
		})
	}
}

func TestPlanRun(t *testing.T) {
	t0, t1, t2, t3 := ts("2026-11-01T00:00:00Z"), ts("2026-11-02T00:00:00Z"), ts("2026-11-03T00:00:00Z"), ts("2026-11-04T00:00:00Z")
	pending := &Pending{From: t1, To: t2, File: "p"}
	tests := []struct {
		name     string
		st       *State
		since    time.Time
		until    time.Time
		redo     *Pending
		next     *Range
		sinceErr bool
	}{
		{"first run", nil, t0, t2, nil, &Range{t0, t2}, false},
		{"first run, nothing yet", nil, t2, t2, nil, nil, false},
		{"continue at lastEnd", &State{Start: t0, LastEnd: t1}, time.Time{}, t3, nil, &Range{t1, t3}, false},
		{"since equal to lastEnd", &State{Start: t0, LastEnd: t1}, t1, t3, nil, &Range{t1, t3}, false},
		{"since equal to the first start (a fixed cron line)", &State{Start: t0, LastEnd: t1}, t0, t3, nil, &Range{t1, t3}, false},
		{"since elsewhere", &State{Start: t0, LastEnd: t1}, t2, t3, nil, nil, true},
		{"nothing new", &State{Start: t0, LastEnd: t3}, time.Time{}, t3, nil, nil, false},
		{"pending redone first", &State{Start: t0, LastEnd: t1, Pending: pending}, time.Time{}, t3, pending, &Range{t2, t3}, false},
		{"pending only", &State{Start: t0, LastEnd: t1, Pending: pending}, time.Time{}, t2, pending, nil, false},
		{"pending of a first run", &State{Start: t1, Pending: pending}, t1, t3, pending, &Range{t2, t3}, false},
		{"pending, since elsewhere", &State{Start: t0, LastEnd: t1, Pending: pending}, t2, t3, nil, nil, true},
		{"state without a run", &State{}, t0, t1, nil, &Range{t0, t1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PlanRun("s.json", tt.st, tt.since, tt.until)
			var se *SinceError
			if tt.sinceErr {
				if !errors.As(err, &se) {
					t.Fatalf("PlanRun = %v, want *SinceError", err)
				}
				if !strings.Contains(err.Error(), "omit --since") {
					t.Errorf("message %q does not say what to do", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Redo != tt.redo {
				t.Errorf("redo %v, want %v", p.Redo, tt.redo)
			}
			switch {
			case (p.Next == nil) != (tt.next == nil):
				t.Errorf("next %v, want %v", p.Next, tt.next)
			case p.Next != nil && (!p.Next.From.Equal(tt.next.From) || !p.Next.To.Equal(tt.next.To)):
				t.Errorf("next %v, want %v", p.Next, tt.next)
			}
		})
	}
}

// A state is tied to its destination: an --out-dir, or --out files and
// stdout. A state that does not record one (an earlier version) takes any.
func TestStateCheckDestination(t *testing.T) {
	base := State{Endpoint: "https://e/graphql", Project: "p"}
	dirA, dirB := Destination{Dir: "/var/audit/a"}, Destination{Dir: "/var/audit/b"}
	file1, file2, stdout := Destination{Out: "/tmp/1.jsonl"}, Destination{Out: "/tmp/2.jsonl"}, Destination{Out: "-"}
	tests := []struct {
		name     string
		was, now Destination
		want     string // "" = accepted
	}{
		{"same directory", dirA, Destination{Dir: "/var/audit/a/"}, ""},
		{"another directory", dirA, dirB, "it was used with --out-dir /var/audit/a, now with --out-dir /var/audit/b"},
		{"directory to file", dirA, file1, "it was used with --out-dir /var/audit/a, now with --out /tmp/1.jsonl"},
		{"directory to stdout", dirA, stdout, "now with stdout"},
		{"file to directory", file1, dirA, "it was used with --out /tmp/1.jsonl, now with --out-dir /var/audit/a"},
		{"stdout to directory", stdout, dirA, "it was used with stdout, now with --out-dir"},
		{"file to another file", file1, file2, ""},
		{"file to stdout", file1, stdout, ""},
		{"not recorded, to a directory", Destination{}, dirA, ""},
		{"not recorded, to a file", Destination{}, file1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := base
			st.OutDir, st.Out = tt.was.Dir, tt.was.Out
			err := st.Check("s.json", Identity{Endpoint: st.Endpoint, Project: st.Project, Dest: tt.now})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check = %v, want %q", err, tt.want)
			}
		})
	}
}
