package adminapi

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"
)

// maxKeyFileSize is far above any PEM private key; a larger file is not one.
const maxKeyFileSize = 1 << 20

// LoadPrivateKey reads the Admin API private key: a PEM file holding an RSA
// key as PKCS#1 ("RSA PRIVATE KEY") or PKCS#8 ("PRIVATE KEY"), as the portal
// downloads it. The warnings are one-line notes that do not stop the key from
// being used (a file other users can read, a short key). Errors name the file
// and never quote its contents.
func LoadPrivateKey(path string) (*rsa.PrivateKey, []string, error) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, fmt.Errorf("key file %s does not exist: check --key-file", path)
	case err != nil:
		return nil, nil, fmt.Errorf("read key file %s: %w", path, unwrapPathError(err))
	case info.IsDir():
		return nil, nil, fmt.Errorf("key file %s is a directory, not a PEM file: check --key-file", path)
	case !info.Mode().IsRegular() && info.Mode()&fs.ModeNamedPipe == 0 && info.Mode()&fs.ModeCharDevice == 0:
		return nil, nil, fmt.Errorf("key file %s is not a regular file: check --key-file", path)
	}
	var warnings []string
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && info.Mode().IsRegular() && perm&0o077 != 0 {
		warnings = append(warnings, fmt.Sprintf("key file %s is readable by other users (mode %04o): run chmod 600 %s", path, perm, path))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read key file %s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read key file %s: %w", path, unwrapPathError(err))
	}
	if len(raw) > maxKeyFileSize {
		return nil, nil, fmt.Errorf("key file %s is too large to be a PEM private key: check --key-file", path)
	}
	key, err := parsePrivateKeyPEM(path, raw)
	clear(raw)
	if err != nil {
		return nil, nil, err
	}
	if bits := key.N.BitLen(); bits < 2048 {
		warnings = append(warnings, fmt.Sprintf("key file %s holds a %d-bit RSA key: keys shorter than 2048 bits are weak; create a new key in the portal", path, bits))
	}
	return key, warnings, nil
}

// unwrapPathError drops the *fs.PathError wrapper, whose text repeats the
// path the caller already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func parsePrivateKeyPEM(path string, raw []byte) (*rsa.PrivateKey, error) {
	rest := raw
	var sawPEM []string
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		sawPEM = append(sawPEM, block.Type)
		if _, encrypted := block.Headers["DEK-Info"]; encrypted || block.Type == "ENCRYPTED PRIVATE KEY" ||
			strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
			return nil, fmt.Errorf("key file %s is encrypted with a passphrase: the Admin API key from the portal is not; decrypt it first (openssl pkey -in %s -out plain.pem)", path, path)
		}
		switch block.Type {
		case "RSA PRIVATE KEY":
			if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
				return k, nil
			}
			// Some tools label PKCS#8 as "RSA PRIVATE KEY".
			if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
				return rsaKey(path, k)
			}
			return nil, fmt.Errorf("key file %s: the RSA PRIVATE KEY block is damaged (not PKCS#1 or PKCS#8): download the key again", path)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				if k1, err1 := x509.ParsePKCS1PrivateKey(block.Bytes); err1 == nil {
					return k1, nil
				}
				return nil, fmt.Errorf("key file %s: the PRIVATE KEY block is damaged (not PKCS#8): download the key again", path)
			}
			return rsaKey(path, k)
		case "EC PRIVATE KEY":
			return nil, wrongKeyType(path, "an ECDSA")
		case "OPENSSH PRIVATE KEY":
			return nil, fmt.Errorf("key file %s is an OpenSSH key: the Admin API needs the project's RSA key (RS256) as a PEM file from the portal", path)
		case "DSA PRIVATE KEY":
			return nil, wrongKeyType(path, "a DSA")
		}
	}
	if len(sawPEM) > 0 {
		return nil, fmt.Errorf("key file %s holds no private key (found %s): the Admin API needs the project's RSA private key (RS256)", path, strings.Join(sawPEM, ", "))
	}
	return nil, fmt.Errorf("key file %s is not a PEM file (expected -----BEGIN PRIVATE KEY-----): use the key file downloaded from the portal", path)
}

func rsaKey(path string, k any) (*rsa.PrivateKey, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return nil, wrongKeyType(path, "an ECDSA")
	case ed25519.PrivateKey:
		return nil, wrongKeyType(path, "an Ed25519")
	case *ecdh.PrivateKey:
		return nil, wrongKeyType(path, "an X25519")
	default:
		return nil, wrongKeyType(path, fmt.Sprintf("a %T", k))
	}
}

func wrongKeyType(path, kind string) error {
	return fmt.Errorf("key file %s holds %s key; the Admin API needs the project's RSA key (RS256)", path, kind)
}
