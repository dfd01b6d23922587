package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/export"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/readback"
	"github.com/authgear-audit/authgear-audit/internal/verify"
)

// verifyOptions are the inputs of verify: its dependencies, its flags as
// given, and what validate derives from them.
type verifyOptions struct {
	IO     *iostreams.IOStreams
	Now    func() time.Time
	Client func(context.Context) (*adminapi.Client, error)
	local  func() *time.Location

	// As given.
	args    []string
	filters filterFlags
	zones   zoneFlags
	changed func(name string) bool

	Inputs    []string
	Offline   bool
	VerifyKey string // --verify-key: the public key that must have signed every entry
	Head      string // --head: a hash the chain must hold
	Deep      bool   // --deep: decode every object offline, also those their hash proves

	Filter      auditlog.Filter
	FilterGiven bool // --activity or --user given
	RangeGiven  bool // --since or --until given
}

// NewCmdVerify builds verify; runF, when not nil, runs instead of
// runVerify.
func NewCmdVerify(f *Factory, runF func(context.Context, *verifyOptions) error) *cobra.Command {
	o := &verifyOptions{IO: f.IO, Now: f.Now, Client: f.Client, local: f.localZone}
	cmd := &cobra.Command{
		Use:   "verify [--input] FILE|DIR|-",
		Short: "Prove that an export is complete and clean",
		Long: `Verify an export: a file, or an archive of export --out-dir (a folder or a
bucket's URL).

For an archive, the chain is checked: every entry present and in order,
each naming the SHA-256 of the one before, ranges that tile; every object an
entry names, streamed and read several at a time, against its size, SHA-256
and count; objects that no entry names (left by a killed run) are listed, and
are no problem. The report's second line is the head, head: sha256:...; keep
it elsewhere (a cron log) and give it back as --head to prove that nothing
up to it was removed. --verify-key FILE (the Ed25519 public key, PEM) proves
that every entry was signed by its private half.

Every event is read once, in constant memory: lines that do not parse, IDs
that occur twice, events out of time order and events outside the range are
reported. The counts per day are compared with the API's count of the same
filters and range; only the days that differ are counted again hour by hour,
so a clean year costs about 365 small queries.

For a directory the range is that of its manifest, the filters are the
manifest's unless --activity or --user are given, and the manifest is checked
too: every file present with the size, SHA-256 and event count it lists, and
ranges that tile the time line without gaps or overlaps. For a file, the range
is --since/--until, or else the file's own first and last second, and the
filters are those of the flags. A file may be oldest first (as export writes
it) or newest first (as search writes it): its order is taken from its
first events and checked throughout.

--input is repeatable, and - reads stdin: several files, stdin, or a folder
without a manifest (its *.jsonl and *.csv files in name order) are read one
after another and checked as one export, as a file is. A folder with a
manifest is verified alone.

--offline checks without the API. For a directory that is the manifest,
checksums, counts and ranges: use it for archives older than Authgear's
retention (90 to 180 days), as the API cannot count events it has dropped,
and says nothing. A lone file offline has no manifest to count against: the
report says it is clean but that its completeness was not checked.

Offline, an archive's object whose entry is signed (valid for its key, or
for --verify-key), or in the chain up to the --head given, is only hashed:
when its size and SHA-256 are those the entry records, its bytes are the
ones export wrote, with the count and range it recorded as it wrote them,
so the check runs at the speed of reading and hashing. Every other object
(an unsigned entry after the pinned head, or all of them without --head or
signatures; files of manifest.json without a SHA-256) is decoded event by
event, as is any object that does not match. --deep decodes every object,
to check again what export wrote: every event parsable, in order, in its
range, once.

The report goes to stdout. The exit status is 0 when no problem was found
(complete and clean, or clean where completeness could not be checked, as
the report says); 1 when a problem was found.`,
		Example: `  authgear-audit verify /var/lib/audit
  authgear-audit verify --offline s3://audit-archive/myapp --verify-key sign.pub.pem --head sha256:...
  authgear-audit verify --input november.jsonl.gz --since 2026-11-01 --until 2026-12-01`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.args, o.changed = args, cmd.Flags().Changed
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runVerify(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	o.filters.register(fl)
	o.zones.register(cmd)
	fl.StringArrayVar(&o.Inputs, "input", nil, "the export: a file (jsonl or csv, .gz too), an --out-dir directory or - for stdin; repeatable")
	fl.BoolVar(&o.Offline, "offline", false, "do not ask the API: check the chain, manifest, checksums, counts and ranges only")
	fl.StringVar(&o.VerifyKey, "verify-key", "", "an archive's entries must all be signed by this Ed25519 public key (PEM)")
	fl.BoolVar(&o.Deep, "deep", false, "with --offline, decode every event of an archive's objects, also of those their SHA-256 proves against a signed or pinned entry")
	fl.StringVar(&o.Head, "head", "", "an archive's chain must hold this head (sha256:...), as printed by an earlier verify or export")
	// --parallel bounded the count queries sent at once; they now go many
	// to a request. Still taken, so that scripts that give it keep working.
	fl.Int("parallel", 4, "no longer used: the counts go many to a request")
	_ = fl.MarkHidden("parallel")
	return cmd
}

// validate checks the arguments and flags and derives the options. Every
// error is a usage error.
func (o *verifyOptions) validate() error {
	loc, err := o.zones.resolve(o.local)
	if err != nil {
		return err
	}
	if len(o.args) == 1 {
		if len(o.Inputs) > 0 {
			return usageError(errors.New("give the export once: as an argument or with --input"))
		}
		o.Inputs = o.args
	}
	if len(o.Inputs) == 0 {
		return usageError(errors.New("nothing to verify: give an export file or an --out-dir directory (--input FILE|DIR)"))
	}
	if o.Filter, err = o.filters.filter(o.Now(), loc); err != nil {
		return err
	}
	o.FilterGiven = o.changed("activity") || o.changed("user")
	o.RangeGiven = o.changed("since") || o.changed("until")
	return nil
}

func runVerify(ctx context.Context, o *verifyOptions) error {
	if len(o.Inputs) == 1 && isArchive(o.Inputs[0]) {
		return runVerifyArchive(ctx, o)
	}
	for _, v := range o.Inputs {
		if v != readback.Stdin && isArchive(v) {
			return usageError(fmt.Errorf("--input %s is an archive with a manifest of entries: verify it alone", v))
		}
	}
	if o.VerifyKey != "" || o.Head != "" {
		return usageError(errors.New("--verify-key and --head apply to an archive of entries (an export --out-dir of this version)"))
	}
	vo := verify.Options{}
	manifest, err := o.manifest()
	if err != nil {
		return err
	}
	var ins []readback.Input
	if manifest != nil {
		if o.RangeGiven {
			return usageError(errors.New("--since and --until apply to a file: the range of a directory is that of its manifest"))
		}
		if err := o.filterFromManifest(manifest); err != nil {
			return err
		}
	} else {
		if ins, err = inputs(ctx, o.IO.In, o.Inputs); err != nil {
			return err
		}
		vo.Range = incremental.Range{From: o.Filter.Since, To: o.Filter.Until}
	}
	if !o.Offline {
		if vo.Selection, vo.Counter, err = o.counter(ctx); err != nil {
			return err
		}
	}
	var rep *verify.Report
	if manifest != nil {
		rep, err = verify.Dir(ctx, o.Inputs[0], manifest, vo)
	} else {
		rep, err = verify.Inputs(ctx, inputNames(o.Inputs), ins, vo)
	}
	if err != nil {
		return err
	}
	return o.report(rep)
}

// isArchive reports whether an --input is an archive of entries: a
// bucket's URL, or a folder with a manifest/ of entries.
func isArchive(v string) bool {
	dir, local := incremental.LocalDir(v)
	if !local {
		return true
	}
	fi, err := os.Stat(filepath.Join(dir, strings.TrimSuffix(incremental.EntryPrefix, "/")))
	return err == nil && fi.IsDir()
}

// runVerifyArchive verifies an archive of entries, from a folder or a
// bucket, streaming its objects.
func runVerifyArchive(ctx context.Context, o *verifyOptions) error {
	loc := o.Inputs[0]
	if o.RangeGiven {
		return usageError(errors.New("--since and --until apply to a file: the range of an archive is that of its entries"))
	}
	ao := verify.ArchiveOptions{Head: o.Head, Deep: o.Deep}
	if o.VerifyKey != "" {
		key, err := incremental.ReadVerifyKey(o.VerifyKey)
		if err != nil {
			return usageError(err)
		}
		ao.VerifyKey = key
	}
	b, err := openLocation(ctx, loc)
	if err != nil {
		return err
	}
	defer b.Close()
	arch, err := incremental.ReadArchive(ctx, b, loc)
	if err != nil {
		return err
	}
	if f, ok := arch.Filter(); ok {
		if err := o.filterFromManifest(&incremental.Manifest{Filter: f}); err != nil {
			return err
		}
	}
	if !o.Offline {
		if ao.Selection, ao.Counter, err = o.counter(ctx); err != nil {
			return err
		}
	}
	rep, err := verify.Archive(ctx, b, arch, ao)
	if err != nil {
		return err
	}
	return o.report(rep)
}

// report warns about a range beyond the retention, prints the report and
// makes a problem exit 1.
func (o *verifyOptions) report(rep *verify.Report) error {
	if horizon := o.Now().Add(-export.UsualRetention); !o.Offline && !rep.Range.From.IsZero() && rep.Range.From.Before(horizon) {
		o.IO.Warn("the range starts at %s, beyond Authgear's usual retention (90–180 days): the API cannot count events it has dropped, "+
			"so days before %s that fall short of the export are expected; verify --offline checks such archives",
			fmtUTC(rep.Range.From), horizon.UTC().Format("2006-01-02"))
	}
	if _, err := rep.WriteTo(o.IO.Out); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if !rep.OK() {
		return &SilentError{Code: ExitFailure}
	}
	return nil
}

// manifest is the manifest of the one folder to verify, nil when the
// inputs are files, stdin or a folder without one. A folder with a
// manifest among other inputs is bad usage.
func (o *verifyOptions) manifest() (*incremental.Manifest, error) {
	for _, v := range o.Inputs {
		if v == readback.Stdin {
			continue
		}
		fi, err := checkInput(v)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			continue
		}
		m, err := incremental.LoadManifest(v)
		if err != nil || m == nil {
			return nil, err
		}
		if len(o.Inputs) > 1 {
			return nil, usageError(fmt.Errorf("--input %s has a %s: verify it alone, against its manifest", v, incremental.ManifestName))
		}
		return m, nil
	}
	return nil, nil
}

// filterFromManifest takes the manifest's filters unless the flags give
// some; when both are there and differ, the flags win with a warning. The
// API cannot count an export filtered by --ip, --client or --country: its
// manifest is then all there is to check against.
func (o *verifyOptions) filterFromManifest(m *incremental.Manifest) error {
	if m.Filter.HasLocal() {
		if !o.Offline {
			o.IO.Notice("%s was exported with --ip, --client or --country, which the API cannot count: checking against its manifest only (as --offline)", o.Inputs[0])
			o.Offline = true
		}
		return nil
	}
	if o.FilterGiven {
		if !incremental.FilterOf(o.Filter).Equal(m.Filter) {
			o.IO.Warn("the filters differ from those in %s's manifest: counting with the flags", o.Inputs[0])
		}
		return nil
	}
	o.Filter.ActivityTypes = append([]string(nil), m.Filter.ActivityTypes...)
	o.Filter.Users = nil
	for _, k := range m.Filter.Users {
		u, err := auditlog.ParseUser(incremental.UserArg(k))
		if err != nil {
			return fmt.Errorf("manifest of %s: user %q: %w", o.Inputs[0], k, err)
		}
		o.Filter.Users = append(o.Filter.Users, u)
	}
	return nil
}

// counter is the API that an online verify compares counts with, and the
// selection of the filter it counts.
func (o *verifyOptions) counter(ctx context.Context) (adminapi.Selection, verify.Counter, error) {
	c, err := o.Client(ctx)
	if err != nil {
		return adminapi.Selection{}, nil, err
	}
	sel, err := selection(ctx, o.IO, c, o.Filter)
	if err != nil {
		return adminapi.Selection{}, nil, err
	}
	return sel, c, nil
}
