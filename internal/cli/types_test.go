package cli

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func TestActivityTypes(t *testing.T) {
	all := auditlog.Catalog()
	enums := func(list []auditlog.ActivityType) []string {
		var out []string
		for _, a := range list {
			out = append(out, a.Enum)
		}
		return out
	}
	identity, _ := auditlog.ExpandActivities([]string{"identity"})
	tests := []struct {
		name string
		args []string
		want []string // enum names, in catalog order
	}{
		{"all", nil, enums(all)},
		{"alias and a group", []string{"--activity", "identity"}, catalogOrder(identity)},
		{"globs, comma-separated", []string{"--activity", "USER_DELET*,user.anonymized"},
			[]string{"USER_DELETION_SCHEDULED", "USER_DELETION_UNSCHEDULED", "USER_DELETED", "USER_ANONYMIZED"}},
	}
	for _, tt := range tests {
		for _, format := range []string{"json", "jsonl", "csv", "table"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				app, out, errb := newTestApp(t, nil)
				cmd := "activity-types"
				if tt.name == "alias and a group" {
					cmd = "types"
				}
				if code := runApp(t, app, append([]string{cmd, "-o", format}, tt.args...)...); code != 0 {
					t.Fatalf("exit %d: %s", code, errb)
				}
				var got []auditlog.ActivityType
				switch format {
				case "json":
					// One array of objects with exactly these keys.
					var raw []map[string]string
					if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
						t.Fatalf("not one JSON array: %v", err)
					}
					for _, m := range raw {
						if len(m) != 4 {
							t.Fatalf("object %v: want enum, eventType, group, description", m)
						}
						got = append(got, auditlog.ActivityType{Enum: m["enum"], EventType: m["eventType"], Group: m["group"], Description: m["description"]})
					}
				case "jsonl":
					sc := bufio.NewScanner(out)
					for sc.Scan() {
						var a auditlog.ActivityType
						if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
							t.Fatal(err)
						}
						got = append(got, a)
					}
				case "csv":
					recs, err := csv.NewReader(out).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(recs[0], []string{"enum", "eventType", "group", "description"}) {
						t.Fatalf("header %v", recs[0])
					}
					for _, r := range recs[1:] {
						got = append(got, auditlog.ActivityType{Enum: r[0], EventType: r[1], Group: r[2], Description: r[3]})
					}
				case "table":
					lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
					if f := strings.Fields(lines[0]); !slices.Equal(f, []string{"ENUM", "EVENT", "TYPE", "GROUP", "DESCRIPTION"}) {
						t.Fatalf("header %q", lines[0])
					}
					for _, l := range lines[1:] {
						f := strings.Fields(l)
						a, ok := auditlog.LookupActivity(f[0])
						if !ok || f[1] != a.EventType || f[2] != a.Group || strings.Join(f[3:], " ") != a.Description {
							t.Fatalf("line %q does not show %+v", l, a)
						}
						got = append(got, a)
					}
				}
				if !slices.Equal(enums(got), tt.want) {
					t.Fatalf("got %v\nwant %v", enums(got), tt.want)
				}
				for _, a := range got {
					if ref, _ := auditlog.LookupActivity(a.Enum); a != ref {
						t.Errorf("got %+v, want %+v", a, ref)
					}
				}
			})
		}
	}
}

// catalogOrder sorts enum names the way the catalog lists them.
func catalogOrder(names []string) []string {
	var out []string
	for _, a := range auditlog.Catalog() {
		if slices.Contains(names, a.Enum) {
			out = append(out, a.Enum)
		}
	}
	return out
}

func TestActivityTypesBadInput(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--activity", "USER_AUTHENTICATD"}, `--activity: unknown activity "USER_AUTHENTICATD": did you mean "USER_AUTHENTICATED"? (see 'authgear-audit activity-types')`},
		{[]string{"-o", "yaml"}, `--output: unknown format "yaml": use table, jsonl, json, csv`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, out, errb := newTestApp(t, nil)
			if code := runApp(t, app, append([]string{"activity-types"}, tt.args...)...); code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if lines := stderrLines(errb); len(lines) == 0 || lines[0] != "authgear-audit: "+tt.msg {
				t.Errorf("stderr = %q, want first line %q", lines, "authgear-audit: "+tt.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out)
			}
		})
	}
}

// TestGroupSpelling: a group is accepted as admin-api or admin_api, and
// shown as admin_api everywhere: help, activity-types, suggestions.
func TestGroupSpelling(t *testing.T) {
	for _, spelling := range []string{"admin-api", "admin_api", "ADMIN-API"} {
		app, out, errb := newTestApp(t, nil)
		if code := runApp(t, app, "activity-types", "--activity", spelling, "-o", "csv"); code != 0 {
			t.Fatalf("%s: exit %d: %s", spelling, code, errb)
		}
		if !strings.Contains(out.String(), ",admin_api,") || strings.Contains(out.String(), "admin-api") {
			t.Errorf("%s: %s", spelling, out)
		}
	}
	for _, typo := range []string{"admin-apis", "admin_apis"} {
		app, _, errb := newTestApp(t, nil)
		if code := runApp(t, app, "search", "--activity", typo); code != ExitUsage {
			t.Errorf("%s: exit %d", typo, code)
		}
		if !strings.Contains(errb.String(), `did you mean "admin_api"?`) {
			t.Errorf("%s: %s", typo, errb)
		}
	}
	app, out, _ := newTestApp(t, nil)
	runApp(t, app, "search", "--help")
	if !strings.Contains(out.String(), "admin_api") || strings.Contains(out.String(), "admin-api") {
		t.Errorf("search --help spells the group otherwise:\n%s", out)
	}
}
