package incremental

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"
)

// The archive of an --out-dir is append-only: every run adds data objects
// under names no other run uses, then commits one entry object,
// manifest/00000001.json, manifest/00000002.json, ..., with a conditional
// create. An entry names every object of its run with its size and
// SHA-256, and holds the SHA-256 of the entry before it: the entries form
// a hash chain, whose last hash is the archive's head.
//
// An entry object is one line of JSON, the entry, and when the run was
// signed a second line with the Ed25519 signature of exactly the bytes of
// the first line. The hash of an entry covers both lines.

// EntryVersion is the version of the entry format this code writes (the
// manifest.json of earlier versions was version 1).
const EntryVersion = 2

// EntryPrefix is the folder of the entry objects.
const EntryPrefix = "manifest/"

var entryKeyRE = regexp.MustCompile(`^manifest/(\d{8})\.json$`)

// EntryKey is the key of the seq-th entry: zero-padded, so that keys list
// in order.
func EntryKey(seq int) string { return fmt.Sprintf("%s%08d.json", EntryPrefix, seq) }

// IsEntryKey reports whether key is that of an entry: anything else under
// manifest/ is no entry, and no reader takes it for one.
func IsEntryKey(key string) bool {
	_, ok := entrySeq(key)
	return ok
}

// entrySeq reads the sequence number from an entry key.
func entrySeq(key string) (int, bool) {
	m := entryKeyRE.FindStringSubmatch(key)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil && n > 0
}

// Object is one data object an entry names.
type Object struct {
	Key         string    `json:"key"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Count       int64     `json:"count"`
	Bytes       int64     `json:"bytes"`
	SHA256      string    `json:"sha256"`
	Format      string    `json:"format"`
	Compression string    `json:"compression,omitempty"`
}

// Range is the object's range.
func (o Object) Range() Range { return Range{From: o.From, To: o.To} }

// Legacy is what the first entry of an archive of the earlier format
// records of its manifest.json, which is never rewritten: the chain then
// covers the files it lists too.
type Legacy struct {
	Key    string    `json:"key"`
	Bytes  int64     `json:"bytes"`
	SHA256 string    `json:"sha256"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
}

// Entry is one committed run.
type Entry struct {
	Version  int `json:"version"`
	Sequence int `json:"sequence"`
	// Previous is the hash of the entry before ("sha256:<hex>"), "" in
	// the first.
	Previous  string    `json:"previous,omitempty"`
	RunID     string    `json:"runID"`
	CreatedAt time.Time `json:"createdAt"`
	Endpoint  string    `json:"endpoint,omitempty"`
	Project   string    `json:"project,omitempty"`
	Filter    Filter    `json:"filter"`
	// From and To are the range the run adds: the previous entry's To,
	// and where the run ended.
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Objects []Object  `json:"objects"`
	Legacy  *Legacy   `json:"legacy,omitempty"`
}

// Range is the range the entry adds.
func (e *Entry) Range() Range { return Range{From: e.From, To: e.To} }

// Signature is the second line of a signed entry object.
type Signature struct {
	Alg string `json:"alg"` // "ed25519"
	// Key is the public key (raw, base64), so that a reader without the
	// key can still name who signed; only --verify-key proves it.
	Key string `json:"key"`
	Sig string `json:"sig"` // base64, over the exact bytes of line one
}

type signatureLine struct {
	Signature *Signature `json:"signature"`
}

// HashOf is the hash of an entry object, as the next entry and the head
// name it.
func HashOf(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// EncodeEntry makes the bytes of an entry object, signed with key unless
// key is nil.
func EncodeEntry(e *Entry, key ed25519.PrivateKey) ([]byte, error) {
	line, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode entry: %w", err)
	}
	out := append(line, '\n')
	if key == nil {
		return out, nil
	}
	sig := signatureLine{Signature: &Signature{
		Alg: "ed25519",
		Key: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)),
		Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(key, line)),
	}}
	sl, err := json.Marshal(sig)
	if err != nil {
		return nil, fmt.Errorf("encode signature: %w", err)
	}
	return append(append(out, sl...), '\n'), nil
}

// DecodedEntry is an entry object as read: its bytes, what they say, and
// the signature if any.
type DecodedEntry struct {
	Key   string
	Raw   []byte
	Hash  string
	Entry Entry
	// Signed is line one, the bytes the signature covers.
	Signed    []byte
	Signature *Signature
}

// DecodeEntry parses an entry object. Unknown fields are kept in the
// bytes, which are what the hash and the signature cover.
func DecodeEntry(key string, raw []byte) (*DecodedEntry, error) {
	d := &DecodedEntry{Key: key, Raw: raw, Hash: HashOf(raw)}
	line, rest, ok := bytes.Cut(raw, []byte{'\n'})
	if !ok {
		return d, errors.New("not an entry: no line end (truncated?)")
	}
	if err := json.Unmarshal(line, &d.Entry); err != nil {
		return d, fmt.Errorf("not an entry: %v", err)
	}
	if d.Entry.Version > EntryVersion {
		return d, fmt.Errorf("entry version %d is newer than this authgear-audit understands (%d): upgrade authgear-audit", d.Entry.Version, EntryVersion)
	}
	if d.Entry.Version < EntryVersion {
		return d, fmt.Errorf("not an entry: version %d", d.Entry.Version)
	}
	d.Signed = line
	if len(rest) == 0 {
		return d, nil
	}
	sl, tail, ok := bytes.Cut(rest, []byte{'\n'})
	var s signatureLine
	if !ok || len(tail) != 0 || json.Unmarshal(sl, &s) != nil || s.Signature == nil {
		return d, errors.New("not an entry: the second line is no signature (edited or truncated?)")
	}
	d.Signature = s.Signature
	return d, nil
}

// PublicKey is the key the entry says it was signed with.
func (d *DecodedEntry) PublicKey() (ed25519.PublicKey, error) {
	if d.Signature == nil {
		return nil, errors.New("not signed")
	}
	raw, err := base64.StdEncoding.DecodeString(d.Signature.Key)
	if err != nil || len(raw) != ed25519.PublicKeySize || d.Signature.Alg != "ed25519" {
		return nil, errors.New("the signature names no Ed25519 key")
	}
	return ed25519.PublicKey(raw), nil
}

// CheckSignature checks the entry's signature with its own key, or with
// want when want is not nil (which must then be the signer).
func (d *DecodedEntry) CheckSignature(want ed25519.PublicKey) error {
	if d.Signature == nil {
		if want != nil {
			return errors.New("not signed")
		}
		return nil
	}
	pub, err := d.PublicKey()
	if err != nil {
		return err
	}
	if want != nil && !pub.Equal(want) {
		return fmt.Errorf("signed by key %s, not by the --verify-key %s", KeyID(pub), KeyID(want))
	}
	sig, err := base64.StdEncoding.DecodeString(d.Signature.Sig)
	if err != nil || !ed25519.Verify(pub, d.Signed, sig) {
		return errors.New("bad signature: the entry was edited after it was signed")
	}
	return nil
}

// KeyID names a public key: sha256 of its raw bytes, 16 hex digits.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// ReadSignKey reads an Ed25519 private key, PKCS#8 PEM (as `openssl
// genpkey -algorithm ed25519` writes it).
func ReadSignKey(path string) (ed25519.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read --sign-key %s: %w", path, err)
	}
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("--sign-key %s: not a PKCS#8 PEM private key (BEGIN PRIVATE KEY): make one with 'openssl genpkey -algorithm ed25519 -out %s'", path, path)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("--sign-key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("--sign-key %s: a %T, not an Ed25519 key: make one with 'openssl genpkey -algorithm ed25519'", path, k)
	}
	return ek, nil
}

// ReadVerifyKey reads an Ed25519 public key, PEM (BEGIN PUBLIC KEY, as
// `openssl pkey -pubout` writes it).
func ReadVerifyKey(path string) (ed25519.PublicKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read --verify-key %s: %w", path, err)
	}
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("--verify-key %s: not a PEM public key (BEGIN PUBLIC KEY): make it with 'openssl pkey -in SIGN-KEY.pem -pubout -out %s'", path, path)
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("--verify-key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("--verify-key %s: a %T, not an Ed25519 key", path, k)
	}
	return ek, nil
}
