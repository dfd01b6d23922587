package output

import (
	"bytes"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output/jsonscan"
)

// This file encodes events as JSON by appending to a reused buffer, without
// reflection. The bytes are those of json.Marshal(auditlog.Event) (with
// CreatedAt in UTC), HTML-safe escapes in the top-level strings included,
// with one difference: data is the event object verbatim, as the design
// says, where json.Marshal would compact it and escape <, >, &, U+2028 and
// U+2029 inside it. Copying data is most of the work of a line, and
// compacting it meant scanning it byte by byte.
//
// Data is copied verbatim when it looks like JSON on one line (see
// verbatimData), which is cheap to check; it is not validated. The writers
// trust such data to be JSON: every source of events has parsed it already
// (the API client decodes the whole answer, the archive reader checks every
// value), so only an Event built by hand with broken data that still looks
// like an object can make a broken line. Any other data takes the slow path,
// which repairs instead, so that the line is valid JSON in valid UTF-8:
// whitespace is compacted (a raw newline would end the line), invalid UTF-8
// becomes U+FFFD, and data that is not JSON at all is written as a JSON
// string holding its text.

// appendEvent appends e as one JSON object (no newline).
func appendEvent(dst []byte, e *auditlog.Event) ([]byte, error) {
	t := e.CreatedAt.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, fmt.Errorf("event %s: createdAt year %d outside 0-9999", Sanitize(e.ID), y)
	}
	dst = append(dst, `{"id":`...)
	dst = jsonscan.AppendString(dst, e.ID, true)
	dst = append(dst, `,"createdAt":"`...)
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","activityType":`...)
	dst = jsonscan.AppendString(dst, e.ActivityType, true)
	if e.UserID != "" {
		dst = append(dst, `,"userID":`...)
		dst = jsonscan.AppendString(dst, e.UserID, true)
	}
	if e.IPAddress != "" {
		dst = append(dst, `,"ipAddress":`...)
		dst = jsonscan.AppendString(dst, e.IPAddress, true)
	}
	if e.UserAgent != "" {
		dst = append(dst, `,"userAgent":`...)
		dst = jsonscan.AppendString(dst, e.UserAgent, true)
	}
	if e.ClientID != "" {
		dst = append(dst, `,"clientID":`...)
		dst = jsonscan.AppendString(dst, e.ClientID, true)
	}
	dst = append(dst, `,"data":`...)
	if verbatimData(e.Data) {
		dst = append(dst, e.Data...)
	} else {
		dst = appendData(dst, e.Data, true)
	}
	return append(dst, '}'), nil
}

// verbatimData reports whether data can go into a JSON line as it is: it
// starts and ends like an object or an array, is valid UTF-8 and holds no
// raw \n or \r. In JSON a raw line break can only be white space between
// tokens (strings hold them escaped), so data that is JSON and passes is
// one line. Whether data is JSON is not checked: see the top of this file.
func verbatimData(data []byte) bool {
	n := len(data)
	if n < 2 || !(data[0] == '{' && data[n-1] == '}' || data[0] == '[' && data[n-1] == ']') {
		return false
	}
	return bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') < 0 && utf8.Valid(data)
}

// appendData appends the event's data: compacted, and HTML-escaped as
// json.Marshal does with a json.RawMessage when html is set, with invalid
// UTF-8 repaired. Empty data is null; data that is not JSON is written as a
// JSON string of its text. CSV and table cells use it as it is; JSON lines
// only for data that cannot be copied verbatim.
func appendData(dst, data []byte, html bool) []byte {
	if len(data) == 0 {
		return append(dst, "null"...)
	}
	if out, ok := jsonscan.AppendCompact(dst, data, html); ok {
		return out
	}
	return jsonscan.AppendString(dst, data, html)
}

const hexDigits = jsonscan.HexDigits

// validJSON reports whether data is one JSON value in valid UTF-8.
func validJSON(data []byte) bool { return jsonscan.Valid(data) }

// AppendJSON appends e as the JSON object that -o jsonl writes for it,
// without the newline: the value that --jq and --template shape.
func AppendJSON(dst []byte, e *auditlog.Event) ([]byte, error) {
	return appendEvent(dst, e)
}
