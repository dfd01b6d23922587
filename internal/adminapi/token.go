package adminapi

import (
	"crypto/rsa"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// tokenLifetime is how long a signed token is valid: short, as the
	// Admin API expects ("a few minutes is normal").
	tokenLifetime = 5 * time.Minute
	// tokenRenewBefore: a cached token with less than this left is replaced,
	// so a request (and its retries) never carries an expired one.
	tokenRenewBefore = 60 * time.Second
)

// tokenSource gives the bearer token for each request: either a fixed token
// or a JWT signed with the project key, cached and renewed before it expires.
type tokenSource struct {
	static  string
	key     *rsa.PrivateKey
	keyID   string
	project string
	now     func() time.Time

	mu     sync.Mutex
	cached string
	expiry time.Time
}

// token returns a token valid for at least tokenRenewBefore.
func (s *tokenSource) token() (string, error) {
	if s.static != "" {
		return s.static, nil
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != "" && s.expiry.Sub(now) >= tokenRenewBefore && !now.Before(s.issued()) {
		return s.cached, nil
	}
	tok, err := signToken(s.key, s.keyID, s.project, now)
	if err != nil {
		return "", err
	}
	s.cached, s.expiry = tok, now.Add(tokenLifetime)
	return tok, nil
}

// issued is when the cached token was signed. A clock that jumped back
// before it gets a fresh token rather than one the server may call future.
func (s *tokenSource) issued() time.Time { return s.expiry.Add(-tokenLifetime) }

// current is the token last handed out, for redaction; "" if none yet.
func (s *tokenSource) current() string {
	if s.static != "" {
		return s.static
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cached
}

// signToken makes the Admin API JWT: RS256 with kid, aud = project, iat, exp.
func signToken(key *rsa.PrivateKey, keyID, project string, now time.Time) (string, error) {
	now = now.Truncate(time.Second)
	claims := jwt.RegisteredClaims{
		Audience:  jwt.ClaimStrings{project},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(tokenLifetime)),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = keyID
	t.Header["typ"] = "JWT"
	s, err := t.SignedString(key)
	if err != nil {
		// The error of rsa.SignPKCS1v15 says nothing about the key's bytes.
		return "", fmt.Errorf("sign the Admin API token: %w", err)
	}
	return s, nil
}

// tokenClaims reads the audience and key ID of a ready token without
// verifying it, to report them in Check. Empty when the token is not a JWT.
func tokenClaims(token string) (aud, kid string) {
	var claims jwt.RegisteredClaims
	t, _, err := jwt.NewParser().ParseUnverified(token, &claims)
	if err != nil {
		return "", ""
	}
	if len(claims.Audience) > 0 {
		aud = claims.Audience[0]
	}
	if k, ok := t.Header["kid"].(string); ok {
		kid = k
	}
	return aud, kid
}
