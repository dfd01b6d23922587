package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// typesFormats is how activity-types picks its format: a table also on a
// pipe, so that it can be grepped.
var typesFormats = formatChoice{
	allowed:    []string{output.FormatTable, output.FormatJSONL, output.FormatJSON, output.FormatCSV},
	onTerminal: output.FormatTable,
	onPipe:     output.FormatTable,
}

// activityTypesOptions are the inputs of activity-types.
type activityTypesOptions struct {
	IO       *iostreams.IOStreams
	Patterns []string // --activity; empty = all
	format   string
	changed  func(name string) bool
	Format   string // table, json, jsonl or csv
}

// NewCmdActivityTypes builds activity-types; runF, when not nil, runs
// instead of runActivityTypes.
func NewCmdActivityTypes(f *Factory, runF func(context.Context, *activityTypesOptions) error) *cobra.Command {
	opts := &activityTypesOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:     "activity-types",
		Aliases: []string{"types"},
		Short:   "List the activity types of the audit log",
		Long: `List every activity type the Admin API knows: the enum name that --activity
and the API take, the event type stored in the event's data, the group and a
description. --activity narrows the list with the same patterns search takes
(names, event types, globs, groups, user-activities, admin-activities), so it
shows what a filter would select. No API access is needed.

Output (-o): table (the default, also on a pipe, so it can be grepped),
json (one array of {"enum", "eventType", "group", "description"} objects),
jsonl or csv.`,
		Example: `  authgear-audit activity-types
  authgear-audit types --activity authentication
  authgear-audit types --activity 'identity.*' -o json | jq -r '.[].enum'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.changed = cmd.Flags().Changed
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runActivityTypes(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Patterns, "activity", nil, "only these types: names, event types, globs or groups, as search takes; repeatable and comma-separated")
	fl.StringVarP(&opts.format, "output", "o", output.FormatTable, "output format: table, json, jsonl or csv")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(typesFormats.allowed, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// validate checks the flags. Every error is a usage error naming its flag.
func (o *activityTypesOptions) validate() error {
	var err error
	if o.Format, err = typesFormats.resolve(o.format, o.changed("output"), "", o.IO.OutTTY); err != nil {
		return err
	}
	if _, err := auditlog.ExpandActivities(o.Patterns); err != nil {
		return usageError(fmt.Errorf("--activity: %w", err))
	}
	return nil
}

func runActivityTypes(_ context.Context, o *activityTypesOptions) error {
	list := auditlog.Catalog()
	if len(o.Patterns) > 0 {
		enums, err := auditlog.ExpandActivities(o.Patterns)
		if err != nil {
			return usageError(fmt.Errorf("--activity: %w", err))
		}
		list = slices.DeleteFunc(list, func(t auditlog.ActivityType) bool {
			_, found := slices.BinarySearch(enums, t.Enum)
			return !found
		})
	}
	return writeActivityTypes(o.IO.Out, o.Format, list)
}

// writeActivityTypes writes the catalog entries in catalog order.
func writeActivityTypes(w io.Writer, format string, list []auditlog.ActivityType) error {
	switch format {
	case output.FormatJSON, output.FormatJSONL:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if format == output.FormatJSON {
			if list == nil {
				list = []auditlog.ActivityType{}
			}
			enc.SetIndent("", "  ")
			return enc.Encode(list)
		}
		for _, t := range list {
			if err := enc.Encode(t); err != nil {
				return err
			}
		}
		return nil
	case output.FormatCSV:
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"enum", "eventType", "group", "description"})
		for _, t := range list {
			_ = cw.Write([]string{t.Enum, t.EventType, t.Group, t.Description})
		}
		cw.Flush()
		return cw.Error()
	}
	cells := make([][]string, len(list))
	for i, t := range list {
		cells[i] = []string{t.Enum, t.EventType, t.Group, t.Description}
	}
	return output.WriteTable(w, []string{"ENUM", "EVENT TYPE", "GROUP", "DESCRIPTION"}, cells)
}
