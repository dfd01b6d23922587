package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// getOptions are the inputs of get.
type getOptions struct {
	App    *App
	ID     string // raw event ID or AuditLog node ID
	Format string // table or json
	Output outputFlags
}

func newGetCmd(a *App) *cobra.Command {
	opts := &getOptions{App: a}
	cmd := &cobra.Command{
		Use:   "get ID",
		Short: "Show one audit event in full",
		Long: `Show one audit event in full, by its raw event ID (as in the id field of
search output) or its AuditLog node ID.

Output (-o): table, a key/value view with the event data flattened, on a
terminal; json, the whole record pretty-printed, otherwise.`,
		Example: `  authgear-audit get 0a1b2c3d-...
  authgear-audit get 0a1b2c3d-... -o json | jq .data.context`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = strings.TrimSpace(args[0])
			if opts.ID == "" {
				return usageError(errors.New("get: the event ID is empty"))
			}
			switch {
			case !cmd.Flags().Changed("output") && a.IO.OutTTY:
				opts.Format = output.FormatTable
			case !cmd.Flags().Changed("output"):
				opts.Format = output.FormatJSON
			default:
				opts.Format = strings.ToLower(strings.TrimSpace(opts.Format))
				if opts.Format != output.FormatTable && opts.Format != output.FormatJSON {
					return usageError(fmt.Errorf("--output: unknown format %q: use table or json", opts.Format))
				}
			}
			return runGet(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Format, "output", "o", "", "output format: table or json (default: table on a terminal, else json)")
	a.addZoneFlags(cmd)
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{output.FormatTable, output.FormatJSON}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runGet(ctx context.Context, o *getOptions) error {
	a := o.App
	c, err := a.client(ctx)
	if err != nil {
		return err
	}
	e, err := c.Event(ctx, o.ID)
	if errors.Is(err, adminapi.ErrNotFound) {
		return fmt.Errorf("no audit log entry with ID %s", o.ID)
	}
	if err != nil {
		return err
	}
	if o.Format == output.FormatTable {
		opts := o.Output.options(a, true)
		opts.Format = output.FormatTable
		return output.WriteKeyValue(a.IO.Out, e, opts)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		return fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	_, err = a.IO.Out.Write(buf.Bytes())
	return err
}
