package adminapi

import (
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestSignTokenClaims(t *testing.T) {
	key := rsaTestKey()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tok, err := signToken(key, "kid-1", "myapp", now)
	if err != nil {
		t.Fatal(err)
	}
	var claims jwt.RegisteredClaims
	parsed, err := jwt.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now.Add(time.Minute) }),
		jwt.WithAudience("myapp"), jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	if parsed.Header["alg"] != "RS256" || parsed.Header["kid"] != "kid-1" || parsed.Header["typ"] != "JWT" {
		t.Fatalf("header %v", parsed.Header)
	}
	if len(claims.Audience) != 1 || claims.Audience[0] != "myapp" {
		t.Fatalf("aud %v", claims.Audience)
	}
	if !claims.IssuedAt.Equal(now) || !claims.ExpiresAt.Equal(now.Add(5*time.Minute)) {
		t.Fatalf("iat %v exp %v, want %v and +5m", claims.IssuedAt, claims.ExpiresAt, now)
	}
	if aud, kid := tokenClaims(tok); aud != "myapp" || kid != "kid-1" {
		t.Fatalf("tokenClaims = %q %q", aud, kid)
	}
	if aud, kid := tokenClaims("not-a-jwt"); aud != "" || kid != "" {
		t.Fatalf("tokenClaims of garbage = %q %q", aud, kid)
	}
}

// TestTokenRenewal: the cached token is reused while more than a minute is
// left, replaced after, and never handed out expired, also under
// concurrent use.
func TestTokenRenewal(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	src := &tokenSource{key: rsaTestKey(), keyID: "k", project: "p", now: clock}

	first, err := src.token()
	if err != nil {
		t.Fatal(err)
	}
	advance(3*time.Minute + 59*time.Second) // 61s left
	if again, _ := src.token(); again != first {
		t.Fatal("token renewed with more than a minute left")
	}
	advance(2 * time.Second) // 59s left
	second, _ := src.token()
	if second == first {
		t.Fatal("token not renewed with less than a minute left")
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				before := clock()
				tok, err := src.token()
				if err != nil {
					t.Error(err)
					return
				}
				var claims jwt.RegisteredClaims
				if _, _, err := jwt.NewParser().ParseUnverified(tok, &claims); err != nil {
					t.Error(err)
					return
				}
				if left := claims.ExpiresAt.Sub(before); left < tokenRenewBefore-time.Second {
					t.Errorf("token with %s left handed out", left)
					return
				}
				advance(7 * time.Second)
			}
		}()
	}
	wg.Wait()
}

func TestStaticToken(t *testing.T) {
	src := &tokenSource{static: "abc"}
	if tok, err := src.token(); err != nil || tok != "abc" {
		t.Fatalf("token() = %q, %v", tok, err)
	}
}
