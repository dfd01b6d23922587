package adminapitest

import (
	"net/http"
	"testing"
	"time"
)

// TestVerifiedTokensAreRechecked: a token that passed once is remembered,
// but never accepted where checking it again would refuse it.
func TestVerifiedTokensAreRechecked(t *testing.T) {
	s := NewUnstarted()
	now := time.Now()
	key := TestKey()
	bearer := func(claims map[string]any) string { return "Bearer " + SignToken(key, s.KeyID(), claims) }
	exp := bearer(map[string]any{"aud": s.ProjectID(), "exp": now.Add(time.Minute).Unix()})
	nbf := bearer(map[string]any{"aud": s.ProjectID(), "nbf": now.Add(10 * time.Minute).Unix()})
	steps := []struct {
		name   string
		change func()
		authz  string
		at     time.Time
		ok     bool
	}{
		{"valid", nil, exp, now, true},
		{"again", nil, exp, now.Add(5 * time.Minute), true},
		{"expired beyond leeway", nil, exp, now.Add(6*time.Minute + time.Second), false},
		{"still valid earlier", nil, exp, now, true},
		{"key removed", func() { s.RemoveKey(s.KeyID()) }, exp, now, false},
		{"key back", func() { s.AddKey(s.KeyID(), &key.PublicKey) }, exp, now, true},
		{"key replaced", func() { s.AddKey(s.KeyID(), &OtherTestKey().PublicKey) }, exp, now, false},
		{"key restored", func() { s.AddKey(s.KeyID(), &key.PublicKey) }, exp, now, true},
		{"nbf in the future", nil, nbf, now, false},
		{"nbf reached", nil, nbf, now.Add(6 * time.Minute), true},
		{"nbf not reached at an earlier time", nil, nbf, now, false},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		err := s.checkAuthorization(st.authz, st.at)
		if (err == nil) != st.ok {
			t.Errorf("%s: err %v, want ok %v", st.name, err, st.ok)
		}
	}
}

func TestVerifiedTokensAreBounded(t *testing.T) {
	s := NewUnstarted()
	for i := range maxVerifiedTokens + 10 {
		tok := SignToken(TestKey(), s.KeyID(), map[string]any{"aud": s.ProjectID(), "n": i})
		if err := s.checkAuthorization("Bearer "+tok, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	s.authMu.Lock()
	n := len(s.verified)
	s.authMu.Unlock()
	if n > maxVerifiedTokens || n == 0 {
		t.Errorf("%d tokens remembered, want 1..%d", n, maxVerifiedTokens)
	}
}

// TestRevokedKeyRefusesAnAcceptedToken over HTTP: the token the client
// keeps sending stops working as soon as its key is removed.
func TestRevokedKeyRefusesAnAcceptedToken(t *testing.T) {
	s := New(t)
	authz := "Bearer " + s.Token(time.Hour)
	body := []byte(`{"query":"{ auditLogs(first: 1) { totalCount } }"}`)
	if a := do(t, s, "POST", "application/json", authz, body); a.status != http.StatusOK {
		t.Fatalf("status %d", a.status)
	}
	s.RemoveKey(s.KeyID())
	if a := do(t, s, "POST", "application/json", authz, body); a.status != http.StatusForbidden {
		t.Fatalf("revoked key: status %d, want 403", a.status)
	}
}
