package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// filterFlags are the filters shared by search, export, tail, count and
// verify: --activity, --since, --until and --user, and the filters the API
// lacks (localfilter.go, applied by walk.SerialOptions.Keep). Typed times are read in the App's zone (see
// zone.go).
type filterFlags struct {
	activities   []string
	since, until string
	users        []string

	ips, clients, countries []string
}

// register adds the filter flags to a command's flag set.
func (f *filterFlags) register(fs *pflag.FlagSet) {
	f.registerFlags(fs, true)
}

// registerFollow adds the filter flags of a command that follows new events
// and so has no end: all but --until.
func (f *filterFlags) registerFollow(fs *pflag.FlagSet) {
	f.registerFlags(fs, false)
}

func (f *filterFlags) registerFlags(fs *pflag.FlagSet, until bool) {
	fs.StringArrayVar(&f.activities, "activity", nil,
		"activity types: enum name, event type, glob (AUTHENTICATION_*, user.*), group (user, authentication,\n"+
			"identity, messaging, admin_api, project, other) or user-activities / admin-activities;\n"+
			"repeatable and comma-separated; see 'authgear-audit activity-types'")
	fs.StringVar(&f.since, "since", "",
		"events at or after: RFC 3339, a date (2026-11-01), a local time (2026-11-01T10:00), an age\n"+
			"(90m, 24h, 7d, 2w), now, today or yesterday")
	if until {
		fs.StringVar(&f.until, "until", "",
			"events before: same forms as --since; a bare date includes that whole day")
	}
	fs.StringArrayVar(&f.users, "user", nil,
		"a raw user ID, a User node ID, an email address or an E.164 phone number; an email or phone\n"+
			"also matches messages sent to it; repeatable")
}

// filter parses the flags into a Filter. Every error is a usage error that
// names its flag.
func (f *filterFlags) filter(a *App) (auditlog.Filter, error) {
	var out auditlog.Filter
	loc := a.zone()
	if len(f.activities) > 0 {
		types, err := auditlog.ExpandActivities(f.activities)
		if err != nil {
			return out, usageError(fmt.Errorf("--activity: %w", err))
		}
		out.ActivityTypes = types
	}
	now := a.Now()
	if f.since != "" {
		t, err := auditlog.ParseTime(f.since, now, loc, false)
		if err != nil {
			return out, usageError(timeFlagError("--since", f.since, err))
		}
		out.Since = t
	}
	if f.until != "" {
		t, err := auditlog.ParseTime(f.until, now, loc, true)
		if err != nil {
			return out, usageError(timeFlagError("--until", f.until, err))
		}
		out.Until = t
	}
	if !out.Since.IsZero() && !out.Until.IsZero() && !out.Since.Before(out.Until) {
		return out, usageError(f.emptyRangeError(out.Since, out.Until, loc))
	}
	for _, s := range f.users {
		u, err := auditlog.ParseUser(s)
		if err != nil {
			return out, usageError(fmt.Errorf("--user: %w", err))
		}
		out.Users = append(out.Users, u)
	}
	return out, f.local(&out)
}

// emptyRangeError says that --since is not before --until in the words the
// user typed, with the times they stand for in the zone loc where those
// differ, and why a bare date in --until is later than it looks.
func (f *filterFlags) emptyRangeError(since, until time.Time, loc *time.Location) error {
	typed := func(expr string, t time.Time) string {
		expr = strings.TrimSpace(expr)
		if r := t.In(loc).Format(time.RFC3339); r != expr {
			return fmt.Sprintf("%s (%s)", expr, r)
		}
		return expr
	}
	msg := fmt.Sprintf("--since %s is not before --until %s", typed(f.since, since), typed(f.until, until))
	if auditlog.IsDay(f.until) {
		msg += fmt.Sprintf(": a bare date in --until means the end of that day, so --until %s includes all of %s; give an --until after --since",
			strings.TrimSpace(f.until), strings.TrimSpace(f.until))
	} else {
		msg += ": give an --until after --since"
	}
	return errors.New(msg)
}

// timeFlagError names the flag and the value, unless the parser's message
// already quotes the value.
func timeFlagError(flag, value string, err error) error {
	if strings.Contains(err.Error(), fmt.Sprintf("%q", value)) {
		return fmt.Errorf("%s: %w", flag, err)
	}
	return fmt.Errorf("%s: invalid time %q: %w", flag, value, err)
}

// userLookup is what resolveSelectionWith needs from the client.
type userLookup interface {
	UsersByAttribute(ctx context.Context, attribute, value string) ([]string, error)
}

// selection turns a Filter into the API's Selection. Raw and node user
// IDs become node IDs. An email address or phone number is looked up (once
// per distinct value): the owners' IDs join UserIDs and the address itself
// joins EmailAddresses or PhoneNumbers, which the server ORs with UserIDs,
// so one --user finds both what the user did and what was sent to them. An
// address that matches no user still filters by recipient, with a notice on
// stderr (see noticeUnresolved).
func (a *App) selection(ctx context.Context, c *adminapi.Client, f auditlog.Filter) (adminapi.Selection, error) {
	sel, resolved, err := resolveSelectionWith(ctx, c, f)
	if err != nil {
		return sel, err
	}
	a.noticeUnresolved(resolved)
	return sel, nil
}

// resolveSelectionWith does the work of selection with any user lookup, and
// returns the Filter with ResolvedIDs filled in.
func resolveSelectionWith(ctx context.Context, c userLookup, f auditlog.Filter) (adminapi.Selection, auditlog.Filter, error) {
	sel := adminapi.Selection{
		ActivityTypes: append([]string(nil), f.ActivityTypes...),
		From:          f.Since,
		To:            f.Until,
	}
	users := make([]auditlog.UserRef, len(f.Users))
	copy(users, f.Users)
	f.Users = users

	seen := map[*[]string]map[string]bool{}
	add := func(list *[]string, v string) {
		if seen[list] == nil {
			seen[list] = map[string]bool{}
		}
		if !seen[list][v] {
			seen[list][v] = true
			*list = append(*list, v)
		}
	}
	type lookupKey struct{ attr, value string }
	looked := map[lookupKey][]string{}
	for i := range users {
		u := &users[i]
		var attr string
		switch u.Kind {
		case auditlog.UserRawID, auditlog.UserNodeID:
			add(&sel.UserIDs, auditlog.UserNodeIDOf(u.RawID))
			continue
		case auditlog.UserEmail:
			attr = "email"
			add(&sel.EmailAddresses, u.Value)
		case auditlog.UserPhone:
			attr = "phone_number"
			add(&sel.PhoneNumbers, u.Value)
		default:
			return sel, f, fmt.Errorf("--user %q: unknown kind of user reference", u.Input)
		}
		k := lookupKey{attr, u.Value}
		ids, ok := looked[k]
		if !ok {
			var err error
			ids, err = c.UsersByAttribute(ctx, attr, u.Value)
			if err != nil {
				return sel, f, fmt.Errorf("look up users with %s %s: %w", attr, u.Value, err)
			}
			looked[k] = ids
		}
		u.ResolvedIDs = append([]string(nil), ids...)
		for _, id := range ids {
			add(&sel.UserIDs, auditlog.UserNodeIDOf(id))
		}
	}
	return sel, f, nil
}

// noticeUnresolved tells, on stderr, which email addresses and phone numbers
// belong to no user: they still select messages sent to them.
func (a *App) noticeUnresolved(f auditlog.Filter) {
	for _, u := range f.Users {
		if (u.Kind == auditlog.UserEmail || u.Kind == auditlog.UserPhone) && len(u.ResolvedIDs) == 0 {
			a.notice("no user has %s %s; matching messages sent to it only", kindName(u.Kind), u.Value)
		}
	}
}

func kindName(k auditlog.UserKind) string {
	if k == auditlog.UserPhone {
		return "phone number"
	}
	return "email address"
}
