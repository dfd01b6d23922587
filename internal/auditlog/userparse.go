package auditlog

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxUserIDLen bounds what ParseUser takes as a raw user ID.
const maxUserIDLen = 200

// userHint ends the messages about --user values that fit no form.
const userHint = "give a user ID, a User node ID, an email address or a phone number in E.164 (+85298765432)"

// ParseUser classifies a --user value.
//
//   - an email address (one @, a local part, a domain with a dot) is a
//     UserEmail; Value is lower-cased;
//   - a phone number in E.164, + and 8 to 15 digits, is a UserPhone; spaces,
//     dashes, dots and parentheses are dropped (Value is +85298765432); a
//     number of 6 to 15 digits without + is refused, since its country is
//     unknown (Authgear's user IDs are UUIDs, so no ID looks like that);
//   - base64url of "User:<raw id>" (the Admin API's node ID; padded and
//     standard base64 are taken too) is a UserNodeID with RawID set;
//   - anything else without spaces or control characters and at most 200
//     bytes long is a UserRawID.
//
// Input keeps the value as given, trimmed.
func ParseUser(s string) (UserRef, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return UserRef{}, errors.New("empty user: " + userHint)
	}
	if !utf8.ValidString(in) {
		return UserRef{}, fmt.Errorf("invalid user %s: not valid UTF-8", quoteShort(in))
	}
	if strings.Contains(in, "@") {
		return parseEmail(in)
	}
	if ref, ok, err := parsePhone(in); ok || err != nil {
		return ref, err
	}
	if strings.IndexFunc(in, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return UserRef{}, fmt.Errorf("invalid user %s: %s", quoteShort(in), userHint)
	}
	if raw, ok := decodeNodeID(in, "User"); ok {
		return UserRef{Kind: UserNodeID, Input: in, RawID: raw}, nil
	}
	if typ, ok := nodeType(in); ok {
		return UserRef{}, fmt.Errorf("invalid user %s: that is the node ID of %s %s, not of a User", quoteShort(in), article(typ), typ)
	}
	if len(in) > maxUserIDLen {
		return UserRef{}, fmt.Errorf("invalid user %s: longer than %d bytes; %s", quoteShort(in), maxUserIDLen, userHint)
	}
	return UserRef{Kind: UserRawID, Input: in, RawID: in}, nil
}

func parseEmail(in string) (UserRef, error) {
	local, domain, _ := strings.Cut(in, "@")
	bad := func(why string) (UserRef, error) {
		return UserRef{}, fmt.Errorf("invalid email address %s: %s", quoteShort(in), why)
	}
	switch {
	case strings.Contains(domain, "@"):
		return bad("it has more than one @")
	case local == "":
		return bad("nothing before the @")
	case !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, ".."):
		return bad("the domain after the @ needs a dot, as in example.com")
	case strings.IndexFunc(in, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return bad("it contains spaces or control characters")
	case len(in) > 320:
		return bad("longer than 320 bytes")
	}
	return UserRef{Kind: UserEmail, Input: in, Value: strings.ToLower(in)}, nil
}

// parsePhone recognises a phone number: an optional + and then only digits
// and the punctuation people write numbers with. ok is false when in is not
// shaped like a phone number at all.
func parsePhone(in string) (ref UserRef, ok bool, err error) {
	rest := in
	plus := strings.HasPrefix(rest, "+")
	if plus {
		rest = rest[1:]
	}
	var digits strings.Builder
	for _, r := range rest {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			if plus {
				return UserRef{}, false, fmt.Errorf("invalid phone number %s: use E.164, + then the country code and number, 8 to 15 digits (+85298765432)", quoteShort(in))
			}
			return UserRef{}, false, nil
		}
	}
	d := digits.String()
	switch {
	case !plus && (len(d) < 6 || len(d) > 15):
		// Not a phone number's length: an ID made of digits (and dashes).
		return UserRef{}, false, nil
	case !plus:
		return UserRef{}, true, fmt.Errorf("phone number %s has no country code: write it in E.164, + then the country code and number (+85298765432)", quoteShort(in))
	case len(d) < 8 || len(d) > 15:
		return UserRef{}, true, fmt.Errorf("invalid phone number %s: E.164 has 8 to 15 digits after the + (+85298765432)", quoteShort(in))
	case d[0] == '0':
		return UserRef{}, true, fmt.Errorf("invalid phone number %s: a country code never starts with 0 (+85298765432)", quoteShort(in))
	}
	return UserRef{Kind: UserPhone, Input: in, Value: "+" + d}, true, nil
}

// quoteShort quotes s for a message, cut to a readable length.
func quoteShort(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q...", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

func article(word string) string {
	if word != "" && strings.ContainsRune("AEIOUaeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// UserNodeIDOf returns the Admin API's node ID of a raw user ID: base64url
// without padding of "User:<raw>". (It is not called UserNodeID because that
// name is the UserKind of a node ID.)
func UserNodeIDOf(raw string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("User:" + raw))
}

// UserIDFromNodeID returns the raw user ID inside a User node ID, and false
// when nodeID is not one. Padded and standard base64 are accepted too.
func UserIDFromNodeID(nodeID string) (string, bool) {
	return decodeNodeID(nodeID, "User")
}

// EventNodeID returns the node ID of a raw event ID: base64url without
// padding of "AuditLog:<raw>".
func EventNodeID(raw string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("AuditLog:" + raw))
}

// EventIDFromNodeID returns the raw event ID inside an AuditLog node ID, and
// false when nodeID is not one. Padded and standard base64 are accepted too.
func EventIDFromNodeID(nodeID string) (string, bool) {
	return decodeNodeID(nodeID, "AuditLog")
}

// decodeNodeID decodes a node ID of the given type and returns the raw ID,
// which must be non-empty, valid UTF-8 and free of control characters.
func decodeNodeID(nodeID, typ string) (string, bool) {
	dec, ok := decodeBase64(nodeID)
	if !ok {
		return "", false
	}
	raw, found := strings.CutPrefix(dec, typ+":")
	if !found || raw == "" || !utf8.ValidString(raw) ||
		strings.IndexFunc(raw, unicode.IsControl) >= 0 {
		return "", false
	}
	return raw, true
}

// nodeType returns the type name of something that decodes to
// "<Type>:<id>", such as an AuditLog node ID given where a User was wanted.
func nodeType(s string) (string, bool) {
	dec, ok := decodeBase64(s)
	if !ok {
		return "", false
	}
	typ, raw, found := strings.Cut(dec, ":")
	if !found || raw == "" || typ == "" || len(typ) > 40 {
		return "", false
	}
	for i, r := range typ {
		if !(r >= 'A' && r <= 'Z' && i == 0) && !(i > 0 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')) {
			return "", false
		}
	}
	return typ, true
}

func decodeBase64(s string) (string, bool) {
	if s == "" || len(s) > 4*maxUserIDLen {
		return "", false
	}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if b, err := enc.Strict().DecodeString(s); err == nil {
			return string(b), true
		}
	}
	return "", false
}
