package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output/jsonscan"
)

// decodeEvent decodes one JSON record and checks its required fields.
//
// Records as export writes them (the common case by far) are decoded by
// decodeFast in one validating pass without reflection, several times
// faster than json.Unmarshal. Anything unusual, and every error, goes to
// json.Unmarshal, which then decides and words the message; a fuzz test
// checks that both agree wherever the fast path answers.
func decodeEvent(b []byte) (*auditlog.Event, error) {
	e := new(auditlog.Event)
	if !decodeFast(b, e) {
		*e = auditlog.Event{}
		if err := json.Unmarshal(b, e); err != nil {
			return nil, fmt.Errorf("invalid JSON: %s", shortJSONError(err))
		}
	}
	if err := checkEvent(e); err != nil {
		return nil, err
	}
	return e, nil
}

// knownKeys are the JSON names of auditlog.Event's fields.
var knownKeys = [...]string{"id", "createdAt", "activityType", "userID", "ipAddress", "userAgent", "clientID", "data"}

// decodeFast decodes a JSON object with Event's keys spelled exactly, as
// json.Unmarshal would. It returns false, leaving e partly filled, when the
// input is not valid JSON or holds something it leaves to encoding/json: a
// key with escapes or non-ASCII bytes, a key that matches a field only
// case-insensitively, a field of the wrong type, or a time that does not
// parse.
func decodeFast(b []byte, e *auditlog.Event) bool {
	i := jsonscan.SkipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = jsonscan.SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return jsonscan.SkipSpace(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		ks, ke, ok := jsonscan.Value(b, i)
		if !ok {
			return false
		}
		key := b[ks+1 : ke-1]
		i = jsonscan.SkipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		vs, ve, ok := jsonscan.Value(b, i+1)
		if !ok {
			return false
		}
		val := b[vs:ve]
		switch string(key) {
		case "id":
			ok = decodeString(val, &e.ID)
		case "createdAt":
			if string(val) != "null" {
				ok = val[0] == '"' && e.CreatedAt.UnmarshalJSON(val) == nil
			}
		case "activityType":
			ok = decodeString(val, &e.ActivityType)
		case "userID":
			ok = decodeString(val, &e.UserID)
		case "ipAddress":
			ok = decodeString(val, &e.IPAddress)
		case "userAgent":
			ok = decodeString(val, &e.UserAgent)
		case "clientID":
			ok = decodeString(val, &e.ClientID)
		case "data":
			e.Data = append(e.Data[:0:0], val...)
		default:
			ok = plainOtherKey(key)
		}
		if !ok {
			return false
		}
		i = jsonscan.SkipSpace(b, ve)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = jsonscan.SkipSpace(b, i+1)
		case '}':
			return jsonscan.SkipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// decodeString stores a JSON string; null leaves dst alone, as
// json.Unmarshal does. Strings with escapes or invalid UTF-8 are unquoted
// by encoding/json itself, so the result is the same byte for byte.
func decodeString(val []byte, dst *string) bool {
	if string(val) == "null" {
		return true
	}
	if val[0] != '"' {
		return false
	}
	inner := val[1 : len(val)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		*dst = string(inner)
		return true
	}
	return json.Unmarshal(val, dst) == nil
}

// plainOtherKey reports whether key is safely not one of Event's: ASCII,
// no escapes, and not equal to a field name when case is ignored.
func plainOtherKey(key []byte) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf || c == '\\' {
			return false
		}
	}
	for _, k := range knownKeys {
		if bytes.EqualFold(key, []byte(k)) {
			return false
		}
	}
	return true
}
