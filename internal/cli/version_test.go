package cli

import (
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolveVersion(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/authgear-audit/authgear-audit", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abcd"},
			{Key: "vcs.time", Value: "2026-11-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "false"},
		},
	}
	devel := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "fedc"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name                string
		ver, commit, date   string
		bi                  *debug.BuildInfo
		wantV, wantC, wantD string
	}{
		{"ldflags win", "1.2.3", "abc", "2026-10-01", bi, "1.2.3", "abc", "2026-10-01"},
		{"go install", "", "", "", bi, "v1.4.0", "0123abcd", "2026-11-01T10:00:00Z"},
		{"local build", "", "", "", devel, "dev", "fedc-dirty", ""},
		{"no build info", "", "", "", nil, "dev", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := resolveVersion(tt.ver, tt.commit, tt.date, tt.bi)
			if v.Version != tt.wantV || v.Commit != tt.wantC || v.Date != tt.wantD {
				t.Errorf("got %+v, want version %q commit %q date %q", v, tt.wantV, tt.wantC, tt.wantD)
			}
			if v.Go == "" || v.Platform == "" {
				t.Errorf("missing go or platform: %+v", v)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	app, out, _ := newTestApp(t, nil)
	if code := runApp(t, app, "version"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out.String(), "authgear-audit ") || !strings.Contains(out.String(), "go:") {
		t.Errorf("unexpected output:\n%s", out)
	}

	app, out, _ = newTestApp(t, nil)
	if code := runApp(t, app, "version", "-o", "json"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var v versionInfo
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Version == "" || v.Go == "" {
		t.Errorf("bad json %q: %v", out, err)
	}

	app, _, errb := newTestApp(t, nil)
	if code := runApp(t, app, "version", "-o", "yaml"); code != ExitUsage {
		t.Errorf("exit %d, want %d; stderr %s", code, ExitUsage, errb)
	}
}
