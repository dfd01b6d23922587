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
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/query"
)

// filterFlags are the filters shared by search, export, tail, count and
// verify: --activity, --since, --until and --user, and the filters the API
// lacks (localfilter.go, applied by walk.SerialOptions.Keep). Typed times are read in the
// command's zone (see zone.go).
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

// filter parses the flags into a Filter, reading typed times in loc and
// ages back from now. Every error is a usage error that names its flag.
func (f *filterFlags) filter(now time.Time, loc *time.Location) (auditlog.Filter, error) {
	var out auditlog.Filter
	if len(f.activities) > 0 {
		types, err := auditlog.ExpandActivities(f.activities)
		if err != nil {
			return out, usageError(fmt.Errorf("--activity: %w", err))
		}
		out.ActivityTypes = types
	}
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

// selection turns a Filter into the API's Selection (query.Selection) and
// says, on stderr, which addresses belong to no user.
func selection(ctx context.Context, ios *iostreams.IOStreams, c *adminapi.Client, f auditlog.Filter) (adminapi.Selection, error) {
	sel, resolved, err := query.Selection(ctx, c, f)
	if err != nil {
		return sel, err
	}
	for _, msg := range query.Unresolved(resolved) {
		ios.Notice("%s", msg)
	}
	return sel, nil
}
