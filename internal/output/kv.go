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
// data.context.preferred_languages.0). Keys and values are sanitized; the
// time is shown in Options' zone (local unless UTC) with its offset.
func WriteKeyValue(w io.Writer, e *auditlog.Event, o Options) error {
	loc := o.location()
	t := e.CreatedAt.In(loc)
	_, off := t.Zone()
	kv := [][2]string{
		{"id", e.ID},
		{"createdAt", t.Format(timeLayout) + " " + zoneLabel(loc, off)},
		{"activityType", e.ActivityType},
		{"userID", e.UserID},
		{"email", eventEmail(e)},
		{"ipAddress", e.IPAddress},
		{"userAgent", e.UserAgent},
		{"clientID", e.ClientID},
	}
	if validJSON(e.Data) {
		kv = flatten(kv, "data", gjson.ParseBytes(e.Data))
	} else {
		kv = append(kv, [2]string{"data", string(e.Data)})
	}
	width := 0
	for i := range kv {
		kv[i][0] = Sanitize(kv[i][0])
		kv[i][1] = Sanitize(kv[i][1])
		if kv[i][1] == "" {
			kv[i][1] = "-"
		}
		width = max(width, twwidth.Width(kv[i][0]))
	}
	bw := bufio.NewWriter(w)
	for _, p := range kv {
		bw.WriteString(p[0])
		bw.WriteString(":")
		bw.WriteString(strings.Repeat(" ", width-twwidth.Width(p[0])+1))
		bw.WriteString(p[1])
		bw.WriteByte('\n')
	}
	return bw.Flush()
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
