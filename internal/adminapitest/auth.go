package adminapitest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clockSkew is how far the Admin API lets exp, iat and nbf miss the server's
// clock.
const clockSkew = 5 * time.Minute

// testKey is one RSA key per process: generating a 2048-bit key takes a
// noticeable fraction of a second, and every test needs one. The key is
// created once and never changed.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("generate test RSA key: %v", err))
	}
	return k
})

// secondKey is a second fixed key for key-rotation tests, created on first use.
var secondKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("generate test RSA key: %v", err))
	}
	return k
})

// TestKey returns the process-wide RSA key the stand-in uses by default.
func TestKey() *rsa.PrivateKey { return testKey() }

// OtherTestKey returns a second process-wide RSA key, different from
// TestKey, for tests of key rotation and of wrong signatures.
func OtherTestKey() *rsa.PrivateKey { return secondKey() }

// EncodePrivateKeyPEM encodes key as PEM: PKCS#1 ("RSA PRIVATE KEY") when
// pkcs1 is true, else PKCS#8 ("PRIVATE KEY"), the form the Authgear portal
// hands out.
func EncodePrivateKeyPEM(key *rsa.PrivateKey, pkcs1 bool) []byte {
	if pkcs1 {
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(fmt.Sprintf("marshal PKCS#8 key: %v", err))
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// PrivateKeyPEM returns the server's signing key (the one KeyID names) as PEM.
func (s *Server) PrivateKeyPEM(pkcs1 bool) []byte {
	return EncodePrivateKeyPEM(s.signKey, pkcs1)
}

// KeyFile writes the server's private key as a PKCS#8 PEM file with mode
// 0600 in a temporary directory of t and returns its path.
func (s *Server) KeyFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "admin-api-key.pem")
	if err := WriteKeyFile(path, s.PrivateKeyPEM(false)); err != nil {
		t.Fatal(err)
	}
	return path
}

// WriteKeyFile writes PEM bytes to path with mode 0600.
func WriteKeyFile(path string, pemBytes []byte) error {
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	// WriteFile keeps the mode of an existing file; make sure.
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("write key file %s: %w", path, err)
	}
	return nil
}

// Token returns a bearer token the server accepts: RS256 with the server's
// key and key ID, aud = project ID, iat = now, exp = now + ttl.
func (s *Server) Token(ttl time.Duration) string {
	now := time.Now()
	return SignToken(s.signKey, s.signKID, map[string]any{
		"aud": s.project,
		"iat": now.Unix(),
		"exp": now.Add(ttl).Unix(),
	})
}

// SignToken signs claims as an RS256 JWT with header kid (omitted when kid
// is ""). Tests use it to build tokens the server must refuse.
func SignToken(key *rsa.PrivateKey, kid string, claims map[string]any) string {
	header := map[string]any{"alg": "RS256", "typ": "JWT"}
	if kid != "" {
		header["kid"] = kid
	}
	h, _ := json.Marshal(header)
	c, err := json.Marshal(claims)
	if err != nil {
		panic(fmt.Sprintf("marshal JWT claims: %v", err))
	}
	signing := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(fmt.Sprintf("sign JWT: %v", err))
	}
	return signing + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// maxVerifiedTokens bounds the cache of verified tokens; a client that
// signs a token per request only empties it more often.
const maxVerifiedTokens = 256

// verifiedToken is a token that passed every check: it passes again, for
// the same keys, at any time in [from, until) (zero: unbounded).
type verifiedToken struct {
	keyGen      uint64
	from, until time.Time
}

// checkAuthorization applies the Admin API's rules to an Authorization
// header value. The reason is for the server's own diagnostics; the client
// only ever sees 403 Forbidden.
//
// A token that passed is remembered, so that a client sending the same
// token on every request costs one signature check, not one per request:
// it is accepted again without the checks only while its time claims still
// hold and the keys have not changed since (AddKey and RemoveKey make every
// remembered token go through all the checks again).
func (s *Server) checkAuthorization(h string, now time.Time) error {
	s.mu.RLock()
	gen := s.keyGen
	s.mu.RUnlock()
	s.authMu.Lock()
	v, hit := s.verified[h]
	s.authMu.Unlock()
	if hit && v.keyGen == gen && !now.Before(v.from) && (v.until.IsZero() || now.Before(v.until)) {
		return nil
	}
	v, err := s.verifyToken(h, now)
	if err != nil {
		return err
	}
	v.keyGen = gen
	s.authMu.Lock()
	if len(s.verified) >= maxVerifiedTokens {
		clear(s.verified)
	}
	s.verified[h] = v
	s.authMu.Unlock()
	return nil
}

// verifyToken checks h and says for which times the answer stays the same.
func (s *Server) verifyToken(h string, now time.Time) (vt verifiedToken, err error) {
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return vt, errors.New("no Bearer token")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return vt, errors.New("malformed token")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return vt, fmt.Errorf("header: %w", err)
	}
	if header.Alg != "RS256" {
		return vt, fmt.Errorf("alg %q", header.Alg)
	}
	s.mu.RLock()
	pub, ok := s.keys[header.Kid]
	s.mu.RUnlock()
	if !ok || header.Kid == "" {
		return vt, errors.New("unknown kid")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return vt, errors.New("malformed signature")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		return vt, errors.New("bad signature")
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return vt, fmt.Errorf("claims: %w", err)
	}
	if !audienceMatches(claims["aud"], s.project) {
		return vt, errors.New("wrong aud")
	}
	for _, name := range []string{"exp", "iat", "nbf"} {
		v, present := claims[name]
		if !present {
			continue
		}
		f, ok := v.(float64)
		if !ok {
			return vt, fmt.Errorf("%s is not a number", name)
		}
		t := time.Unix(int64(f), 0)
		switch name {
		case "exp":
			if !now.Before(t.Add(clockSkew)) {
				return vt, errors.New("expired")
			}
			vt.until = t.Add(clockSkew)
		default:
			if now.Add(clockSkew).Before(t) {
				return vt, fmt.Errorf("%s in the future", name)
			}
			if from := t.Add(-clockSkew); from.After(vt.from) {
				vt.from = from
			}
		}
	}
	return vt, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func audienceMatches(aud any, project string) bool {
	switch a := aud.(type) {
	case string:
		return a == project
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok && s == project {
				return true
			}
		}
	}
	return false
}
