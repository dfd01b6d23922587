package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// getOptions are the inputs of get.
type getOptions struct {
	App    *App
	IDs    []string // raw event IDs or AuditLog node IDs, in the order given
	Format string   // table, json or jsonl
	Output outputFlags
}

func newGetCmd(a *App) *cobra.Command {
	opts := &getOptions{App: a}
	var sf shapeFlags
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
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, id := range args {
				if id = strings.TrimSpace(id); id == "" {
					return usageError(errors.New("get: an event ID is empty"))
				}
				opts.IDs = append(opts.IDs, id)
			}
			switch {
			case !cmd.Flags().Changed("output") && a.IO.OutTTY:
				opts.Format = output.FormatTable
			case !cmd.Flags().Changed("output"):
				opts.Format = output.FormatJSON
			default:
				opts.Format = strings.ToLower(strings.TrimSpace(opts.Format))
				if !slices.Contains(output.ViewFormats(), opts.Format) {
					return usageError(fmt.Errorf("--output: unknown format %q: use %s", opts.Format, strings.Join(output.ViewFormats(), ", ")))
				}
			}
			if err := sf.apply(cmd, a, &opts.Output); err != nil {
				return err
			}
			return runGet(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Format, "output", "o", "", "output format: table, json or jsonl (default: table on a terminal, else json)")
	a.addZoneFlags(cmd)
	sf.register(cmd, "output")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.ViewFormats(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runGet(ctx context.Context, o *getOptions) error {
	a := o.App
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	var w output.Writer
	if o.Output.Shape != nil {
		w, err = o.Output.writer(a, a.IO.Out, o.Output.options(a, true), true)
	} else {
		w, err = output.NewView(a.IO.Out, output.Options{Format: o.Format, Location: a.zone()}, len(o.IDs) > 1)
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
