package cli

import (
	"errors"
	"fmt"
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

// zoneFlags are --utc and --tz of one command.
type zoneFlags struct {
	utc bool
	tz  string
}

// register gives cmd --utc and --tz.
func (z *zoneFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&z.utc, "utc", false, "read and show times in UTC (the same as --tz UTC)")
	fl.StringVar(&z.tz, "tz", "", "read and show times in this zone: an IANA name (Asia/Hong_Kong), UTC, Local\n"+
		"or an offset (+08:00); default: the local zone")
}

// resolve is the zone typed times are read in and shown times are shown
// in: --utc, else --tz, else local. Commands resolve it first in validate,
// so a bad zone is the first usage error.
func (z zoneFlags) resolve(local func() *time.Location) (*time.Location, error) {
	switch {
	case z.utc && z.tz != "":
		return nil, usageError(errors.New("--utc and --tz both set the zone: give one of them"))
	case z.utc:
		return time.UTC, nil
	case z.tz != "":
		loc, err := auditlog.ParseZone(z.tz)
		if err != nil {
			return nil, usageError(fmt.Errorf("--tz: %w", err))
		}
		return loc, nil
	}
	return local(), nil
}
