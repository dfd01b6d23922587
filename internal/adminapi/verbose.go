package adminapi

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// logf writes one line to Options.Verbose, secrets redacted.
func (c *Client) logf(format string, args ...any) {
	if c.opts.Verbose == nil {
		return
	}
	line := c.redact(fmt.Sprintf(format, args...))
	line = strings.ReplaceAll(line, "\n", " ")
	c.logMu.Lock()
	defer c.logMu.Unlock()
	fmt.Fprintln(c.opts.Verbose, line)
}

// logAttempt is the line for one HTTP attempt:
// POST <endpoint> AuditLogPage {first:100 ...} -> 200 34ms 123 KB
func (c *Client) logAttempt(opName, summary, result string, _ time.Duration) {
	if c.opts.Verbose == nil {
		return
	}
	c.logf("POST %s %s %s -> %s", c.url, opName, summary, result)
}

// summarizeVariables renders the variables of an encoded request compactly:
// {first:100 rangeFrom:2026-11-25T10:00:00Z activityTypes:[A,B,+3]}.
func summarizeVariables(body []byte) string {
	vars := gjson.GetBytes(body, "variables")
	if !vars.IsObject() {
		return "{}"
	}
	var b strings.Builder
	b.WriteByte('{')
	first := true
	vars.ForEach(func(k, v gjson.Result) bool {
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(k.String())
		b.WriteByte(':')
		if v.IsArray() {
			items := v.Array()
			b.WriteByte('[')
			for i, it := range items {
				if i == 3 {
					fmt.Fprintf(&b, ",+%d", len(items)-3)
					break
				}
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(shorten(it.String(), 40))
			}
			b.WriteByte(']')
		} else {
			b.WriteString(shorten(v.String(), 60))
		}
		return true
	})
	b.WriteByte('}')
	return b.String()
}

func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "..."
}

// formatSize is a byte count for people: 512 B, 123 KB, 4.2 MB.
func formatSize(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%d KB", (n+512)/1024)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
}

var (
	// bearerRE and jwtRE find credentials that a misbehaving server might
	// echo back in an error page.
	bearerRE = regexp.MustCompile(`(?i)(bearer|authorization)([\s:="']+)[A-Za-z0-9\-._~+/]+=*`)
	jwtRE    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	tagRE    = regexp.MustCompile(`<[^>]*>`)
	titleRE  = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	spaceRE  = regexp.MustCompile(`\s+`)
)

// redact removes the tokens this client sends, and anything shaped like a
// bearer token or a JWT, from text that is about to be shown.
func (c *Client) redact(s string) string {
	if c.tokens != nil {
		if t := c.tokens.current(); t != "" {
			s = strings.ReplaceAll(s, t, "[REDACTED]")
		}
		if t := c.tokens.static; t != "" {
			s = strings.ReplaceAll(s, t, "[REDACTED]")
		}
	}
	s = jwtRE.ReplaceAllString(s, "[REDACTED]")
	s = bearerRE.ReplaceAllString(s, "$1$2[REDACTED]")
	return s
}

// sanitize makes server text safe for one line on a terminal: valid UTF-8,
// no control characters, secrets redacted, at most n runes.
func (c *Client) sanitize(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
	return shorten(c.redact(s), n)
}

// snippet is a short, safe excerpt of an answer for an error message: the
// title of an HTML page, else the start of the text.
func (c *Client) snippet(data []byte) string {
	if len(data) > 4096 {
		data = data[:4096]
	}
	s := string(data)
	if m := titleRE.FindStringSubmatch(s); m != nil {
		s = m[1]
	} else if looksHTML("", data) {
		s = tagRE.ReplaceAllString(s, " ")
	}
	s = c.sanitize(s, 120)
	if s == "" {
		return ""
	}
	return fmt.Sprintf("%q", s)
}
