package auditlog

import (
	"fmt"
	"sort"
	"strings"
)

// The portal's two tabs, accepted by ExpandActivities like groups.
const (
	TabUserActivities  = "user-activities"
	TabAdminActivities = "admin-activities"
)

// InUserActivities reports whether the portal lists enum under "User
// activities": every type except the admin ones and the fraud protection
// decisions.
func InUserActivities(enum string) bool {
	return !InAdminActivities(enum) && enum != "FRAUD_PROTECTION_DECISION_RECORDED"
}

// InAdminActivities reports whether the portal lists enum under "Admin
// activities": the Admin API mutations and the project (portal) changes.
func InAdminActivities(enum string) bool {
	return strings.HasPrefix(enum, "ADMIN_API_") || strings.HasPrefix(enum, "PROJECT_")
}

// ExpandActivities turns --activity values into enum names.
//
// Each pattern may hold several comma-separated items; surrounding spaces are
// ignored and case does not matter. An item is an enum name
// (USER_AUTHENTICATED), an event type (user.authenticated), a glob with * and
// ? over either form (AUTHENTICATION_*, authentication.*, *_failed), a group
// (user, authentication, identity, messaging, admin_api, project, other) or
// one of the portal's tabs (user-activities, admin-activities); in group and
// tab names - and _ are the same. The result is sorted and free of
// duplicates; no patterns give nil, which means every type.
//
// An empty item, an unknown name or a glob that matches nothing is an error
// that suggests the nearest known name, if one is close.
func ExpandActivities(patterns []string) ([]string, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool)
	for _, p := range patterns {
		for item := range strings.SplitSeq(p, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				return nil, fmt.Errorf("empty activity in %q: give an activity type, a glob or a group between the commas", p)
			}
			if !expandItem(item, func(enum string) { seen[enum] = true }) {
				return nil, unknownActivity(item)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for enum := range seen {
		out = append(out, enum)
	}
	sort.Strings(out)
	return out, nil
}

// expandItem calls add for every enum name that item selects and reports
// whether it selected any.
func expandItem(item string, add func(enum string)) bool {
	lower := strings.ToLower(item)
	if strings.ContainsAny(lower, "*?") {
		matched := false
		for _, a := range catalog {
			if globMatch(lower, strings.ToLower(a.Enum)) || globMatch(lower, a.EventType) {
				add(a.Enum)
				matched = true
			}
		}
		return matched
	}
	for _, a := range catalog {
		if strings.ToLower(a.Enum) == lower || a.EventType == lower {
			add(a.Enum)
			return true
		}
	}
	group := strings.ReplaceAll(lower, "-", "_")
	var in func(a ActivityType) bool
	switch group {
	case "user_activities":
		in = func(a ActivityType) bool { return InUserActivities(a.Enum) }
	case "admin_activities":
		in = func(a ActivityType) bool { return InAdminActivities(a.Enum) }
	default:
		in = func(a ActivityType) bool { return a.Group == group }
	}
	matched := false
	for _, a := range catalog {
		if in(a) {
			add(a.Enum)
			matched = true
		}
	}
	return matched
}

// errUnknownHint ends every unknown-activity message.
const errUnknownHint = "(see 'authgear-audit activity-types')"

func unknownActivity(item string) error {
	what := "unknown activity"
	if strings.ContainsAny(item, "*?") {
		what = "no activity matches"
	}
	if s := suggestActivity(item); s != "" {
		return fmt.Errorf("%s %q: did you mean %q? %s", what, item, s, errUnknownHint)
	}
	return fmt.Errorf("%s %q %s", what, item, errUnknownHint)
}

// suggestActivity returns the known name nearest to item by edit distance,
// spelt the way item is (ENUM_NAME, enum_name or event.type; groups and
// tabs in their one spelling, admin_api and user-activities), or "" when
// nothing is close. Matching a group ignores the difference of - and _.
func suggestActivity(item string) string {
	upper := strings.ToUpper(item) == item && strings.ToLower(item) != item && !strings.Contains(item, ".")
	var cands []string
	for _, a := range catalog {
		if upper {
			cands = append(cands, a.Enum)
		} else {
			cands = append(cands, a.EventType, strings.ToLower(a.Enum))
		}
	}
	// Groups and tabs are suggested as they are spelt everywhere, whether
	// the user typed - or _.
	cands = append(cands, Groups()...)
	cands = append(cands, TabUserActivities, TabAdminActivities)
	key := strings.ToLower(item)
	if strings.ContainsAny(key, "*?") {
		return suggestGlob(item, cands)
	}
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	best, bestD := "", maxSuggestDistance(key)+1
	for _, c := range cands {
		if d := boundedLevenshtein(norm(key), norm(c), bestD); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// suggestGlob handles a glob with wildcards only at one end ("usr.*",
// "*_faild"): its literal part is compared with the parts of the names that
// begin or end at a separator, and the nearest one is returned with the
// wildcards put back. Other globs get no suggestion.
func suggestGlob(item string, cands []string) string {
	lit := strings.TrimLeft(item, "*?")
	head := item[:len(item)-len(lit)]
	lit = strings.TrimRight(lit, "*?")
	tail := item[len(head)+len(lit):]
	if lit == "" || strings.ContainsAny(lit, "*?") || (head != "" && tail != "") {
		return ""
	}
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	key := norm(lit)
	best, bestD := "", maxSuggestDistance(key)+1
	try := func(part string) {
		if d := boundedLevenshtein(key, norm(part), bestD); d < bestD {
			best, bestD = part, d
		}
	}
	for _, c := range cands {
		try(c)
		for i := 0; i < len(c); i++ {
			if c[i] != '.' && c[i] != '_' && c[i] != '-' {
				continue
			}
			if tail != "" {
				try(c[:i+1]) // "user." for "usr.*"
				try(c[:i])   // "user" for "usr*"
			} else {
				try(c[i:])   // "_failed" for "*_faild"
				try(c[i+1:]) // "failed" for "*faild"
			}
		}
	}
	if best == "" || bestD == 0 {
		return ""
	}
	return head + best + tail
}

// maxSuggestDistance is how many edits a suggestion may be away from what the
// user typed: about one in three characters, at least one.
func maxSuggestDistance(s string) int {
	n := len([]rune(s)) / 3
	if n < 1 {
		n = 1
	}
	return n
}

// boundedLevenshtein is the edit distance between a and b, counted in runes,
// or limit when it is certainly limit or more (the lengths differ by that
// much).
func boundedLevenshtein(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// globMatch reports whether name matches pattern, where * stands for any run
// of characters and ? for one character; every other character is literal.
func globMatch(pattern, name string) bool {
	p, n := []rune(pattern), []rune(name)
	pi, ni := 0, 0
	star, mark := -1, 0
	for ni < len(n) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == n[ni]):
			pi++
			ni++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ni
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ni = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
