package output

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// colKind is what a column shows.
type colKind int

const (
	colID colKind = iota
	colCreatedAt
	colActivityType
	colUserID
	colEmail
	colIPAddress
	colUserAgent
	colClientID
	colData
	colPath // a dotted path into the event's data
)

// column is one resolved column.
type column struct {
	kind colKind
	name string // canonical name (CSV header) or the path as given
	path string // gjson path into data, for colPath
}

// columnNames are the names Columns accepts, canonical first, then aliases.
// Matching ignores case, '-' and '_'.
var columnNames = []struct {
	kind    colKind
	name    string
	aliases []string
}{
	{colID, "id", nil},
	{colCreatedAt, "createdAt", []string{"time"}},
	{colActivityType, "activityType", []string{"activity", "type"}},
	{colUserID, "userID", []string{"user"}},
	{colEmail, "email", nil},
	{colIPAddress, "ipAddress", []string{"ip"}},
	{colUserAgent, "userAgent", nil},
	{colClientID, "clientID", []string{"client"}},
	{colData, "data", nil},
}

// ColumnNames describes the column names accepted in Options.Columns, for
// help texts: "id, createdAt (time), ...".
func ColumnNames() string {
	var b strings.Builder
	for i, c := range columnNames {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name)
		if len(c.aliases) > 0 {
			b.WriteString(" (" + strings.Join(c.aliases, ", ") + ")")
		}
	}
	return b.String()
}

// ColumnList lists the column names Options.Columns accepts, each followed
// by its aliases, for completion.
func ColumnList() []string {
	var out []string
	for _, c := range columnNames {
		out = append(out, c.name)
		out = append(out, c.aliases...)
	}
	return out
}

func normColumnName(s string) string {
	return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
}

// lookupColumnName resolves a column name or alias.
func lookupColumnName(s string) (colKind, string, bool) {
	n := normColumnName(strings.TrimSpace(s))
	for _, c := range columnNames {
		if n == normColumnName(c.name) {
			return c.kind, c.name, true
		}
		for _, a := range c.aliases {
			if n == a {
				return c.kind, c.name, true
			}
		}
	}
	return 0, "", false
}

// parseColumns resolves the names and paths of Options.Columns.
func parseColumns(names []string) ([]column, error) {
	cols := make([]column, 0, len(names))
	for _, raw := range names {
		s := strings.TrimSpace(raw)
		if kind, name, ok := lookupColumnName(s); ok {
			cols = append(cols, column{kind: kind, name: name})
			continue
		}
		if rest, ok := strings.CutPrefix(s, "data."); ok && !slices.Contains(strings.Split(rest, "."), "") {
			cols = append(cols, column{kind: colPath, name: s, path: gjsonPath(rest)})
			continue
		}
		return nil, fmt.Errorf("unknown column %q: valid columns are %s, or a dotted path into the event such as data.context.geo_location_code", raw, ColumnNames())
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("no columns chosen: valid columns are %s", ColumnNames())
	}
	return cols, nil
}

// gjsonPath turns a plain dotted path (context.preferred_languages.0) into a
// gjson path that matches it literally: gjson's wildcards and modifiers
// (* ? # @ | and others) in a key are escaped.
func gjsonPath(dotted string) string {
	parts := strings.Split(dotted, ".")
	for i, p := range parts {
		parts[i] = gjson.Escape(p)
	}
	return strings.Join(parts, ".")
}

// pathValue returns the value at a gjson path in data: strings unquoted,
// other JSON as it is, "" when absent or null.
func pathValue(data []byte, path string) string {
	r := gjson.GetBytes(data, path)
	switch r.Type {
	case gjson.Null:
		return ""
	case gjson.String:
		return r.Str
	default:
		return r.Raw
	}
}

// eventEmail is the email address an event carries for its user: the user
// snapshot's standard attribute, else a message recipient that is an email
// address. "" when there is none.
func eventEmail(e *auditlog.Event) string {
	if len(e.Data) == 0 {
		return ""
	}
	r := gjson.GetManyBytes(e.Data, "payload.user.standard_attributes.email", "payload.recipient")
	if r[0].Type == gjson.String && r[0].Str != "" {
		return r[0].Str
	}
	if r[1].Type == gjson.String && strings.Contains(r[1].Str, "@") {
		return r[1].Str
	}
	return ""
}
