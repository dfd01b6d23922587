package shape

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"

	"github.com/itchyny/gojq"

	"github.com/authgear-audit/authgear-audit/internal/output"
)

// textFunc ends every printing action of a template (see quietNil).
const textFunc = "_text"

// parseTemplate parses s.Template with the helpers.
func parseTemplate(s Spec) (*template.Template, error) {
	t, err := template.New("template").Funcs(specFuncs(s)).Funcs(destFuncs(Dest{})).Parse(s.Template)
	if err != nil {
		return nil, err
	}
	for _, tt := range t.Templates() {
		if tt.Tree != nil {
			quietNil(tt.Tree, tt.Tree.Root)
		}
	}
	return t, nil
}

// quietNil makes every action that prints end in _text, which prints a
// JSON null or a key the event lacks (userID, ipAddress and clientID are
// left out when empty) as nothing, where text/template would print <nil>
// or <no value>.
func quietNil(tr *parse.Tree, n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			quietNil(tr, c)
		}
	case *parse.ActionNode:
		if len(n.Pipe.Decl) > 0 {
			return // an assignment prints nothing
		}
		id := parse.NewIdentifier(textFunc).SetTree(tr).SetPos(n.Pos)
		n.Pipe.Cmds = append(n.Pipe.Cmds, &parse.CommandNode{NodeType: parse.NodeCommand, Pos: n.Pos, Args: []parse.Node{id}})
	case *parse.IfNode:
		quietNil(tr, n.List)
		quietNil(tr, n.ElseList)
	case *parse.RangeNode:
		quietNil(tr, n.List)
		quietNil(tr, n.ElseList)
	case *parse.WithNode:
		quietNil(tr, n.List)
		quietNil(tr, n.ElseList)
	}
}

// specFuncs are the helpers that depend on the spec: the zone and clock.
//
//	timefmt LAYOUT TIME   TIME (RFC 3339, or Unix seconds) in Go's LAYOUT, in the zone
//	timeago TIME          "5 minutes ago"
//	truncate N TEXT       TEXT cut to N characters, ending in "..." when cut
//	join SEP LIST         the items of LIST joined by SEP
//	pluck FIELD LIST      FIELD of each object of LIST
//	json VALUE            VALUE as compact JSON
func specFuncs(s Spec) template.FuncMap {
	return template.FuncMap{
		textFunc: func(args ...any) any {
			if len(args) == 0 || args[0] == nil {
				return ""
			}
			return args[0]
		},
		"timefmt": func(layout string, v any) (string, error) {
			t, ok, err := timeOf(v)
			if err != nil || !ok {
				return "", err
			}
			return t.In(s.Zone).Format(layout), nil
		},
		"timeago": func(v any) (string, error) {
			t, ok, err := timeOf(v)
			if err != nil || !ok {
				return "", err
			}
			return ago(s.Now().Sub(t)), nil
		},
		"truncate": func(n int, v any) (string, error) {
			text, err := scalarText(v)
			if err != nil {
				return "", fmt.Errorf("truncate: %w", err)
			}
			return truncate(n, text), nil
		},
		"join": func(sep string, v any) (string, error) {
			list, ok := v.([]any)
			if !ok && v != nil {
				return "", fmt.Errorf("join: %s is not a list", typeName(v))
			}
			parts := make([]string, len(list))
			for i, x := range list {
				text, err := scalarText(x)
				if err != nil {
					return "", fmt.Errorf("join: item %d: %w", i, err)
				}
				parts[i] = text
			}
			return strings.Join(parts, sep), nil
		},
		"pluck": func(field string, v any) ([]any, error) {
			list, ok := v.([]any)
			if !ok && v != nil {
				return nil, fmt.Errorf("pluck: %s is not a list", typeName(v))
			}
			out := make([]any, 0, len(list))
			for _, x := range list {
				if obj, ok := x.(map[string]any); ok {
					out = append(out, obj[field])
				} else {
					out = append(out, nil)
				}
			}
			return out, nil
		},
		"json": func(v any) (string, error) {
			b, err := gojq.Marshal(v)
			return string(b), err
		},
	}
}

// destFuncs are the helpers that depend on the destination:
//
//	color STYLE TEXT      TEXT in STYLE (red, bold, red+bold, ...), only where colour is allowed
//	autocolor STYLE TEXT  the same (gh's name)
func destFuncs(d Dest) template.FuncMap {
	color := func(style string, v any) (string, error) {
		text, err := scalarText(v)
		if err != nil {
			return "", fmt.Errorf("color: %w", err)
		}
		seq, err := sgr(style)
		if err != nil {
			return "", err
		}
		if !d.Color || seq == "" || text == "" {
			return text, nil
		}
		return "\x1b[" + seq + "m" + text + "\x1b[0m", nil
	}
	return template.FuncMap{"color": color, "autocolor": color}
}

// sgrCodes are the styles of the color helper.
var sgrCodes = map[string]string{
	"black": "30", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36", "white": "37",
	"gray": "90", "grey": "90", "bold": "1", "dim": "2", "italic": "3", "underline": "4", "reset": "",
}

// sgr turns "red+bold" into "31;1".
func sgr(style string) (string, error) {
	var codes []string
	for _, name := range strings.Split(strings.ToLower(style), "+") {
		code, ok := sgrCodes[strings.TrimSpace(name)]
		if !ok {
			return "", fmt.Errorf("color: unknown style %q: use black, red, green, yellow, blue, magenta, cyan, white, gray, bold, dim, italic or underline, joined with +", name)
		}
		if code != "" {
			codes = append(codes, code)
		}
	}
	return strings.Join(codes, ";"), nil
}

// timeOf reads a time: an RFC 3339 string, or a number of Unix seconds
// (data.context.timestamp). A null or missing value is no time and no
// error.
func timeOf(v any) (time.Time, bool, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case string:
		if x == "" {
			return time.Time{}, false, nil
		}
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("%q is not an RFC 3339 time", output.Sanitize(x))
		}
		return t, true, nil
	case int:
		return time.Unix(int64(x), 0), true, nil
	case float64:
		sec, frac := math.Modf(x)
		return time.Unix(int64(sec), int64(frac*1e9)), true, nil
	}
	return time.Time{}, false, fmt.Errorf("%s is not a time", typeName(v))
}

// ago is a duration in words: "just now", "5 minutes ago", "in 2 hours".
func ago(d time.Duration) string {
	suffix := " ago"
	prefix := ""
	if d < 0 {
		d, prefix, suffix = -d, "in ", ""
	}
	unit := func(n int, name string) string {
		if n != 1 {
			name += "s"
		}
		return prefix + strconv.Itoa(n) + " " + name + suffix
	}
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return unit(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return unit(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		return unit(int(d/(24*time.Hour)), "day")
	case d < 365*24*time.Hour:
		return unit(int(d/(30*24*time.Hour)), "month")
	}
	return unit(int(d/(365*24*time.Hour)), "year")
}

// truncate cuts s to n characters, the last three of them "..." when it
// cuts (no dots when n is 3 or less).
func truncate(n int, s string) string {
	r := []rune(s)
	if n < 0 {
		n = 0
	}
	if len(r) <= n {
		return s
	}
	if n <= 3 {
		return string(r[:n])
	}
	return string(r[:n-3]) + "..."
}

// scalarText is a value printed as text: a string as it is, a number or a
// boolean as written, nothing for null; lists and objects are refused.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", errors.New(typeName(v) + " is not text: use json")
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, float64, json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// templateValue makes a decoded value easy on templates: numbers become
// int where they are whole and fit, else float64 (so that 1764064800
// prints as written and compares with gt and lt), and on a terminal every
// string is escaped as tables escape it.
func templateValue(v any, sanitize bool) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 0); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case string:
		if sanitize {
			return output.Sanitize(x)
		}
		return x
	case []any:
		for i := range x {
			x[i] = templateValue(x[i], sanitize)
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if sanitize {
				k = output.Sanitize(k)
			}
			out[k] = templateValue(e, sanitize)
		}
		return out
	}
	return v
}
