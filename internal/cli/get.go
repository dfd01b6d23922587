package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// getOptions are the inputs of get: its dependencies, its flags as given,
// and what validate derives from them.
type getOptions struct {
	IO     *iostreams.IOStreams
	Now    func() time.Time
	Client func(context.Context) (*adminapi.Client, error)
	local  func() *time.Location

	// As given.
	args     []string
	zones    zoneFlags
	shapes   shapeFlags
	format   string
	changed  func(name string) bool
	shapeCtx context.Context

	// Derived by validate.
	IDs    []string // raw event IDs or AuditLog node IDs, in the order given
	Format string   // table, json or jsonl
	Output outputFlags
}

// getFormats is how get picks its format.
var getFormats = formatChoice{allowed: output.ViewFormats(), onTerminal: output.FormatTable, onPipe: output.FormatJSON}

// NewCmdGet builds get; runF, when not nil, runs instead of runGet.
func NewCmdGet(f *Factory, runF func(context.Context, *getOptions) error) *cobra.Command {
	opts := &getOptions{IO: f.IO, Now: f.Now, Client: f.Client, local: f.localZone}
	cmd := &cobra.Command{
		Use:   "get ID...",
		Short: "Show audit events in full",
		Long: `Show audit events in full, by their raw event IDs (as in the id field of
search output) or AuditLog node IDs, in the order given.

Output (-o): table, a key/value view with the event data flattened to the
paths --columns takes, on a terminal; json otherwise: the event as one
indented object, or with several IDs an array of them; jsonl, one line per
event, as search writes it. An ID that matches no event is reported on
stderr after the others are shown, and the exit status is then 1. --jq and
--template run once per event, over the record as -o jsonl writes it.`,
		Example: `  authgear-audit get 0a1b2c3d-...
  authgear-audit get 0a1b2c3d-... 4e5f6a7b-... -o jsonl
  authgear-audit get 0a1b2c3d-... -o json | jq .data.context
  authgear-audit get 0a1b2c3d-... --jq .data.context.geo_location_code`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args, opts.changed, opts.shapeCtx = args, cmd.Flags().Changed, cmd.Context()
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runGet(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.format, "output", "o", "", "output format: table, json or jsonl (default: table on a terminal, else json)")
	opts.zones.register(cmd)
	opts.shapes.register(cmd, "output")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.ViewFormats(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// validate checks the arguments and flags and derives the options. Every
// error is a usage error.
func (o *getOptions) validate() error {
	loc, err := o.zones.resolve(o.local)
	if err != nil {
		return err
	}
	for _, id := range o.args {
		if id = strings.TrimSpace(id); id == "" {
			return usageError(errors.New("get: an event ID is empty: give the IDs as search prints them (the id field), each non-empty"))
		}
		o.IDs = append(o.IDs, id)
	}
	if o.Format, err = getFormats.resolve(o.format, o.changed("output"), "", o.IO.OutTTY); err != nil {
		return err
	}
	o.Output.Zone = loc
	return o.shapes.apply(o.shapeCtx, o.changed, o.Now, &o.Output)
}

func runGet(ctx context.Context, o *getOptions) error {
	c, err := o.Client(ctx)
	if err != nil {
		return err
	}
	var w output.Writer
	if o.Output.Shape != nil {
		w, err = o.Output.writer(o.IO, o.IO.Out, o.Output.options(o.IO, true), true)
	} else {
		w, err = output.NewView(o.IO.Out, output.Options{Format: o.Format, Location: o.Output.Zone}, len(o.IDs) > 1)
	}
	if err != nil {
		return usageError(err)
	}
	var missing []string
	for _, id := range o.IDs {
		e, err := c.Event(ctx, id)
		if errors.Is(err, adminapi.ErrNotFound) {
			missing = append(missing, id)
			continue
		}
		if err == nil {
			err = w.Write(e)
		}
		if err != nil {
			_ = w.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("no audit log entry with ID %s", missing[0])
	}
	return fmt.Errorf("no audit log entries with IDs %s", strings.Join(missing, ", "))
}
