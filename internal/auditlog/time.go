package auditlog

import (
	"fmt"
	"math"
	"strings"
	"time"

	// The time zone database is embedded so that --tz works on machines
	// without one (minimal containers, distroless images, Windows without Go
	// installed); it costs about 450 KB of binary.
	_ "time/tzdata"
)

// timeHint ends the generic invalid-time message.
const timeHint = "use RFC 3339 (2026-11-25T10:00:00Z), a date (2026-11-25), an age (90m, 24h, 7d, 2w) or now"

// ParseTime reads a --since or --until value and returns it in UTC.
//
// Accepted forms:
//   - RFC 3339 with a zone, fractional seconds allowed: 2026-11-25T10:00:00Z,
//     2026-11-25T18:00:00.5+08:00 (a space may stand for the T);
//   - a date and time without a zone, taken in loc: 2026-11-25T10:00,
//     2026-11-25 10:00:00;
//   - a date, midnight in loc: 2026-11-25; with end set, the next midnight,
//     so that an --until date includes that whole day;
//   - an age, counted back from now: 90m, 24h, 7d, 2w, 1h30m, 1d12h, 45s
//     (units w, d, h, m, s, ms, us, ns; d is 24 hours, w is 7 days);
//   - now; today and yesterday (midnight in loc; with end set, the midnight
//     that ends that day).
//
// A nil loc means UTC. The year must lie between 1970 and 9999. The result
// is a whole second (see CeilSecond): an age counted back from a clock
// reading, or fractional seconds as written, are rounded up.
func ParseTime(expr string, now time.Time, loc *time.Location, end bool) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	s := strings.TrimSpace(expr)
	t, err := parseTime(s, now, loc, end)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q: %w", expr, err)
	}
	t = CeilSecond(t)
	if y := t.UTC().Year(); y < 1970 || y > 9999 {
		return time.Time{}, fmt.Errorf("invalid time %q: the year must be between 1970 and 9999", expr)
	}
	return t.UTC(), nil
}

// CeilSecond rounds t up to a whole second. createdAt has one-second
// resolution, so the rounded time selects exactly the events that t does,
// both as an inclusive start (createdAt >= t) and as an exclusive end
// (createdAt < t); and a whole second is what the API should be sent and
// what a state file, a manifest and a file name can hold without a
// disagreement between them.
func CeilSecond(t time.Time) time.Time {
	if w := t.Truncate(time.Second); !w.Equal(t) {
		return w.Add(time.Second)
	}
	return t
}

// IsDay reports whether expr names a whole day: a date (2026-11-28), today
// or yesterday. As an end (ParseTime with end set) it means the end of
// that day, the midnight after it.
func IsDay(expr string) bool {
	s := strings.ToLower(strings.TrimSpace(expr))
	if s == "today" || s == "yesterday" {
		return true
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// Floating reports whether expr names a time only together with a zone: a
// date, a date and time without an offset, today or yesterday. RFC 3339
// with an offset, ages and now name the same instant in every zone.
func Floating(expr string, now time.Time) bool {
	a, err := ParseTime(expr, now, time.UTC, false)
	if err != nil {
		return false
	}
	b, err := ParseTime(expr, now, time.FixedZone("", 3600), false)
	return err == nil && !a.Equal(b)
}

// ReadInSomeZone reports whether expr, read in some zone, names t: expr is
// Floating and its wall clock differs from t by an offset that a zone can
// have (at most 14 hours, in quarter hours).
func ReadInSomeZone(expr string, now, t time.Time) bool {
	if !Floating(expr, now) {
		return false
	}
	wall, err := ParseTime(expr, now, time.UTC, false)
	if err != nil {
		return false
	}
	d := wall.Sub(t)
	return d.Abs() <= 14*time.Hour && d%(15*time.Minute) == 0
}

// timeFormError is the reason given when no form fits.
type timeFormError struct{}

func (timeFormError) Error() string { return timeHint }

func parseTime(s string, now time.Time, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, timeFormError{}
	}
	switch strings.ToLower(s) {
	case "now":
		return now, nil
	case "today", "yesterday":
		n := now.In(loc)
		d := n.Day()
		if strings.EqualFold(s, "yesterday") {
			d--
		}
		if end {
			d++
		}
		return time.Date(n.Year(), n.Month(), d, 0, 0, 0, 0, loc), nil
	}
	if c := s[0]; c >= '0' && c <= '9' && len(s) >= 10 && s[4] == '-' {
		return parseDate(s, loc, end)
	}
	if s[0] == '-' {
		if _, err := parseAge(s[1:]); err == nil {
			return time.Time{}, fmt.Errorf("an age counts back from now and cannot be negative: write %s", s[1:])
		}
		return time.Time{}, timeFormError{}
	}
	d, err := parseAge(s)
	if err != nil {
		return time.Time{}, err
	}
	if d <= 0 {
		return time.Time{}, fmt.Errorf("an age must be longer than zero")
	}
	t := now.Add(-d)
	if !t.Before(now) { // wrapped around
		return time.Time{}, fmt.Errorf("the age is too long")
	}
	return t, nil
}

// parseDate reads the RFC 3339 and date forms.
func parseDate(s string, loc *time.Location, end bool) (time.Time, error) {
	u := strings.ToUpper(s)
	if len(u) > 10 && u[10] == ' ' {
		u = u[:10] + "T" + strings.TrimLeft(u[11:], " ")
	}
	if len(u) == 10 {
		t, err := time.ParseInLocation("2006-01-02", u, loc)
		if err != nil {
			return time.Time{}, timeFormError{}
		}
		if end {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, u); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, u, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, timeFormError{}
}

// ageUnits are the units of an age, longest name first where one is a prefix
// of another.
var ageUnits = []struct {
	name string
	d    time.Duration
}{
	{"ns", time.Nanosecond},
	{"us", time.Microsecond},
	{"µs", time.Microsecond},
	{"ms", time.Millisecond},
	{"s", time.Second},
	{"m", time.Minute},
	{"h", time.Hour},
	{"d", 24 * time.Hour},
	{"w", 7 * 24 * time.Hour},
}

// parseAge reads a sequence of number-unit pairs such as 1d12h or 1.5h.
func parseAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, timeFormError{}
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		intPart := s[:i]
		fracPart := ""
		if i < len(s) && s[i] == '.' {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			fracPart = s[i+1 : j]
			i = j
		}
		if intPart == "" && fracPart == "" {
			return 0, timeFormError{}
		}
		s = s[i:]
		var unit time.Duration
		for _, u := range ageUnits {
			// ms comes before m in ageUnits, so "m" never takes the "m" of "ms".
			if strings.HasPrefix(strings.ToLower(s), u.name) {
				unit = u.d
				s = s[len(u.name):]
				break
			}
		}
		if unit == 0 {
			return 0, timeFormError{}
		}
		var n time.Duration
		for _, c := range intPart {
			if n > (math.MaxInt64-9)/10 {
				return 0, fmt.Errorf("the age is too long")
			}
			n = n*10 + time.Duration(c-'0')
		}
		if n > math.MaxInt64/unit {
			return 0, fmt.Errorf("the age is too long")
		}
		v := n * unit
		if fracPart != "" {
			f := 0.0
			scale := 1.0
			for _, c := range fracPart {
				if scale < 1e-18 {
					break
				}
				scale /= 10
				f += float64(c-'0') * scale
			}
			v += time.Duration(f * float64(unit))
		}
		if v < 0 || total > math.MaxInt64-v {
			return 0, fmt.Errorf("the age is too long")
		}
		total += v
	}
	return total, nil
}

// ParseZone reads a --tz value: an IANA name (Asia/Hong_Kong), UTC, Local
// (the machine's zone) or a fixed offset (+08:00, -0530, +8, UTC+8).
func ParseZone(name string) (*time.Location, error) {
	s := strings.TrimSpace(name)
	switch strings.ToUpper(s) {
	case "UTC", "Z", "GMT":
		return time.UTC, nil
	case "LOCAL":
		return time.Local, nil
	}
	if loc, ok := parseOffset(s); ok {
		return loc, nil
	}
	if s != "" && !strings.Contains(s, "..") && !strings.HasPrefix(s, "/") {
		if loc, err := time.LoadLocation(s); err == nil {
			return loc, nil
		}
		if alt := zoneVariant(s); alt != s {
			if _, err := time.LoadLocation(alt); err == nil {
				return nil, fmt.Errorf("unknown time zone %q: did you mean %s?", name, alt)
			}
		}
	}
	return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Asia/Hong_Kong, or UTC", name)
}

// parseOffset reads a fixed offset: [UTC|GMT]{+|-}HH[[:]MM].
func parseOffset(s string) (*time.Location, bool) {
	u := strings.ToUpper(s)
	u = strings.TrimPrefix(strings.TrimPrefix(u, "UTC"), "GMT")
	if len(u) < 2 || (u[0] != '+' && u[0] != '-') {
		return nil, false
	}
	sign := 1
	if u[0] == '-' {
		sign = -1
	}
	digits := strings.Replace(u[1:], ":", "", 1)
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, false
		}
	}
	var h, m int
	switch len(digits) {
	case 1, 2:
		h = atoi(digits)
	case 3:
		h, m = atoi(digits[:1]), atoi(digits[1:])
	case 4:
		h, m = atoi(digits[:2]), atoi(digits[2:])
	default:
		return nil, false
	}
	if strings.Contains(u[1:], ":") && len(digits) != 4 {
		return nil, false
	}
	if m > 59 || h*60+m > 14*60 {
		return nil, false
	}
	off := sign * (h*3600 + m*60)
	label := fmt.Sprintf("%c%02d:%02d", u[0], h, m)
	return time.FixedZone(label, off), true
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// zoneVariant spells a zone name the way the IANA database does: words
// capitalised and joined by underscores ("asia/hong kong" -> Asia/Hong_Kong).
func zoneVariant(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		words := strings.FieldsFunc(p, func(r rune) bool { return r == ' ' || r == '_' })
		for j, w := range words {
			if w != "" {
				words[j] = strings.ToUpper(w[:1]) + strings.ToLower(w[1:])
			}
		}
		parts[i] = strings.Join(words, "_")
	}
	v := strings.Join(parts, "/")
	if strings.EqualFold(v, "utc") {
		return "UTC"
	}
	return v
}

// Earlier is the earlier of a and b.
func Earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Later is the later of a and b.
func Later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
