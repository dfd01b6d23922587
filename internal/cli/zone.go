package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// The zone rule: one zone reads the times a user types without an offset
// (dates, local times, today, yesterday) and shows times in tables, the
// key/value view and day and hour buckets. It is the local zone unless
// --utc or --tz says otherwise. What is stored (state, manifest, file
// names) and what JSON and CSV carry stays UTC.

// zoneRule is the rule in the words of --help; the README says the same.
const zoneRule = `Time zones: dates and times typed without an offset (2026-11-25,
2026-11-25T10:00, today, yesterday) are read in the local zone, and tables,
get's key/value view and count's days and hours show the local zone, named
in the header (TIME (+08)). --utc or --tz ZONE sets another zone for both.
JSON and CSV always carry UTC (RFC 3339), and so do the state, the manifest
and the file names of export.`

// zoneFlags are --utc and --tz.
type zoneFlags struct {
	utc bool
	tz  string
}

// addZoneFlags gives cmd --utc and --tz, which set the App's zone.
func (a *App) addZoneFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&a.zoneFlags.utc, "utc", false, "read and show times in UTC (the same as --tz UTC)")
	fl.StringVar(&a.zoneFlags.tz, "tz", "", "read and show times in this zone: an IANA name (Asia/Hong_Kong), UTC, Local\n"+
		"or an offset (+08:00); default: the local zone")
}

// resolveZone checks --utc and --tz and fixes the App's zone. The root
// command calls it before any command runs.
func (a *App) resolveZone() error {
	z := a.zoneFlags
	switch {
	case z.utc && z.tz != "":
		return usageError(errors.New("--utc and --tz both set the zone: give one of them"))
	case z.utc:
		a.loc = time.UTC
	case z.tz != "":
		loc, err := auditlog.ParseZone(z.tz)
		if err != nil {
			return usageError(fmt.Errorf("--tz: %w", err))
		}
		a.loc = loc
	default:
		a.loc = a.localZone()
	}
	return nil
}

// zone is where typed times are read and shown times are shown: --utc,
// else --tz, else the local zone.
func (a *App) zone() *time.Location {
	if a.loc == nil {
		return a.localZone()
	}
	return a.loc
}

// localZone is the zone named by the App's TZ, else the process's local
// zone. For the process itself the two agree (Go reads TZ the same way);
// an App with an environment of its own, as in tests, gets that
// environment's zone.
func (a *App) localZone() *time.Location {
	if tz := strings.TrimPrefix(a.getenv("TZ"), ":"); tz != "" {
		if loc, err := time.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.Local
}
