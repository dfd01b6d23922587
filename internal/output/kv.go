package output

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/tidwall/gjson"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// WriteKeyValue writes one event for people (the get command): aligned
// "key: value" lines for the record's fields, then every leaf of data with
// its dotted path (data.context.ip_address, arrays indexed as
// data.context.preferred_languages.0), the path --columns takes. Each of the
// two blocks has its keys as wide as its longest key, so that a long path
// deep in data does not push the record's values to the right. Keys and
// values are sanitized; the time is shown in Options' zone (local unless
// UTC) with its offset.
func WriteKeyValue(w io.Writer, e *auditlog.Event, o Options) error {
	loc := o.location()
	t := e.CreatedAt.In(loc)
	_, off := t.Zone()
	record := [][2]string{
		{"id", e.ID},
		{"createdAt", t.Format(timeLayout) + " " + zoneLabel(loc, off)},
		{"activityType", e.ActivityType},
		{"userID", e.UserID},
		{"email", eventEmail(e)},
		{"ipAddress", e.IPAddress},
		{"userAgent", e.UserAgent},
		{"clientID", e.ClientID},
	}
	var data [][2]string
	if validJSON(e.Data) {
		data = flatten(nil, "data", gjson.ParseBytes(e.Data))
	} else {
		data = [][2]string{{"data", string(e.Data)}}
	}
	bw := bufio.NewWriter(w)
	writeKeyValues(bw, record)
	writeKeyValues(bw, data)
	return bw.Flush()
}

// writeKeyValues writes aligned "key: value" lines, keys as wide as the
// longest of them.
func writeKeyValues(bw *bufio.Writer, kv [][2]string) {
	width := 0
	for i := range kv {
		kv[i][0] = Sanitize(kv[i][0])
		kv[i][1] = Sanitize(kv[i][1])
		if kv[i][1] == "" {
			kv[i][1] = "-"
		}
		width = max(width, twwidth.Width(kv[i][0]))
	}
	for _, p := range kv {
		bw.WriteString(p[0])
		bw.WriteString(":")
		bw.WriteString(strings.Repeat(" ", width-twwidth.Width(p[0])+1))
		bw.WriteString(p[1])
		bw.WriteByte('\n')
	}
}

// flatten appends the leaves of v under prefix: strings unquoted, other
// scalars as JSON, empty objects and arrays as {} and [].
func flatten(kv [][2]string, prefix string, v gjson.Result) [][2]string {
	switch {
	case v.IsObject() || v.IsArray():
		n := 0
		isArray := v.IsArray()
		v.ForEach(func(key, val gjson.Result) bool {
			k := key.String()
			if isArray {
				k = strconv.Itoa(n)
			}
			kv = flatten(kv, prefix+"."+k, val)
			n++
			return true
		})
		if n == 0 {
			kv = append(kv, [2]string{prefix, v.Raw})
		}
	case v.Type == gjson.String && v.Str == "":
		kv = append(kv, [2]string{prefix, `""`})
	case v.Type == gjson.String:
		kv = append(kv, [2]string{prefix, v.Str})
	default:
		kv = append(kv, [2]string{prefix, v.Raw})
	}
	return kv
}
