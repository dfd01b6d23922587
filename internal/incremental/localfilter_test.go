package incremental

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

func TestFilterOfLocal(t *testing.T) {
	ip := func(s string) netip.Prefix {
		p, err := auditlog.ParseIPFilter(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := FilterOf(auditlog.Filter{
		IPs:       []netip.Prefix{ip("2001:db8::/32"), ip("203.0.113.7/24"), ip("198.51.100.9")},
		Clients:   []string{"web", "cli", "web"},
		Countries: []string{"US", "HK"},
	})
	b := FilterOf(auditlog.Filter{
		IPs:       []netip.Prefix{ip("198.51.100.9"), ip("203.0.113.0/24"), ip("2001:db8::/32")},
		Clients:   []string{"cli", "web"},
		Countries: []string{"HK", "US"},
	})
	if !a.Equal(b) {
		t.Errorf("same filters given differently: %+v != %+v", a, b)
	}
	if got, want := strings.Join(a.IPs, " "), "198.51.100.9 2001:db8::/32 203.0.113.0/24"; got != want {
		t.Errorf("IPs %q, want %q", got, want)
	}
	if !a.HasLocal() || FilterOf(auditlog.Filter{ActivityTypes: []string{"USER_CREATED"}}).HasLocal() {
		t.Error("HasLocal is wrong")
	}
}

// A state written before the local filters existed has none: runs without
// them go on, runs with them are refused, naming the flag and both sides.
func TestStateCheckLocal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	old := `{"version":1,"endpoint":"https://myapp.authgear.cloud/_api/admin/graphql","project":"myapp",` +
		`"filter":{"activityTypes":["USER_AUTHENTICATED"]},"format":"jsonl","lastEnd":"2026-11-25T10:00:00Z","updatedAt":"2026-11-25T10:00:05Z"}`
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	base := Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}}
	if err := st.Check(path, Identity{Endpoint: st.Endpoint, Project: "myapp", Filter: base}); err != nil {
		t.Errorf("an old state refuses the same filters: %v", err)
	}
	withIP := base
	withIP.IPs = []string{"203.0.113.0/24"}
	err = st.Check(path, Identity{Endpoint: st.Endpoint, Project: "myapp", Filter: withIP})
	if err == nil || !strings.Contains(err.Error(), "--ip was none, now 203.0.113.0/24") {
		t.Errorf("Check = %v, want the --ip difference", err)
	}

	st.Filter = Filter{Countries: []string{"HK"}, Clients: []string{"web"}}
	err = st.Check(path, Identity{Endpoint: st.Endpoint, Project: "myapp", Filter: Filter{Countries: []string{"US"}, Clients: []string{"web"}}})
	if err == nil || !strings.Contains(err.Error(), "--country was HK, now US") || strings.Contains(err.Error(), "--client") {
		t.Errorf("Check = %v, want only the --country difference", err)
	}
}
