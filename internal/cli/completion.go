package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/config"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// Shell completion of flag values. Every flag that takes a value completes:
// the flags a command registers itself (-o, --by, --profile), the ones
// below by name, file and directory names for the flags that name them,
// and nothing at all for free text (so that a shell does not offer file
// names for --user).

// fileFlags name files: the commands' own, the config file and the
// connection settings that are paths. dirFlags name directories.
var (
	fileFlags = append([]string{"input", "out", "state", "sign-key", "verify-key", "to-ca-file", config.FlagConfig}, settingFileFlags()...)
	dirFlags  = []string{"out-dir", "spool-dir"}
)

// settingFileFlags are the flags of the connection settings that name files.
func settingFileFlags() []string {
	var names []string
	for _, s := range config.Settings() {
		if s.Path {
			names = append(names, s.Flag)
		}
	}
	return names
}

// valueCompletions complete flags by name, in every command that has them.
var valueCompletions = map[string]cobra.CompletionFunc{
	"activity": completeActivities,
	"tz":       completeZones,
	"columns":  completeColumns,
	"sort":     cobra.FixedCompletions([]string{"desc", "asc"}, cobra.ShellCompDirectiveNoFileComp),
	"since":    completeTimes,
	"until":    completeTimes,
}

// registerCompletions gives every flag of cmd and its subcommands that
// takes a value and has no completion yet the one it should have.
func registerCompletions(cmd *cobra.Command) {
	cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Value.Type() == "bool" {
			return
		}
		if _, ok := cmd.GetFlagCompletionFunc(f.Name); ok {
			return
		}
		switch {
		case slices.Contains(fileFlags, f.Name):
			_ = cmd.MarkFlagFilename(f.Name)
		case slices.Contains(dirFlags, f.Name):
			_ = cmd.MarkFlagDirname(f.Name)
		case valueCompletions[f.Name] != nil:
			_ = cmd.RegisterFlagCompletionFunc(f.Name, valueCompletions[f.Name])
		default:
			_ = cmd.RegisterFlagCompletionFunc(f.Name, cobra.NoFileCompletions)
		}
	})
	for _, c := range cmd.Commands() {
		registerCompletions(c)
	}
}

// listItem splits a comma-separated value being typed into what comes
// before its last item (with the comma) and that item.
func listItem(toComplete string) (done, item string) {
	i := strings.LastIndex(toComplete, ",")
	return toComplete[:i+1], toComplete[i+1:]
}

// completeActivities offers, for the last item of a comma-separated
// --activity, the groups, the portal's tabs, the enum names (in the case
// the user types them) and the event types, with their descriptions.
func completeActivities(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done, item := listItem(toComplete)
	var out []cobra.Completion
	add := func(name, desc string) {
		if strings.HasPrefix(strings.ToLower(name), strings.ToLower(item)) {
			out = append(out, cobra.CompletionWithDesc(done+name, desc))
		}
	}
	for _, g := range auditlog.Groups() {
		add(g, "group")
	}
	add(auditlog.TabUserActivities, "the portal's User activities tab")
	add(auditlog.TabAdminActivities, "the portal's Admin activities tab")
	for _, t := range auditlog.Catalog() {
		switch {
		case item == "":
			add(t.Enum, t.Description)
			add(t.EventType, t.Description)
		case strings.ToLower(item) != item:
			add(t.Enum, t.Description)
		default:
			add(t.EventType, t.Description)
			add(strings.ToLower(t.Enum), t.Description)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeZones offers the IANA zone names, UTC and Local.
func completeZones(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, z := range append([]string{"UTC", "Local"}, auditlog.ZoneNames()...) {
		if strings.HasPrefix(strings.ToLower(z), strings.ToLower(toComplete)) {
			out = append(out, z)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeColumns offers, for the last item of --columns, the column names
// not chosen yet and a few paths into data.
func completeColumns(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done, item := listItem(toComplete)
	chosen := strings.Split(strings.ToLower(done), ",")
	var out []cobra.Completion
	for _, c := range append(output.ColumnList(), "data.context.geo_location_code", "data.payload.recipient") {
		if strings.HasPrefix(strings.ToLower(c), strings.ToLower(item)) && !slices.Contains(chosen, strings.ToLower(c)) {
			out = append(out, done+c)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeTimes offers a few of the forms --since and --until take.
func completeTimes(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, s := range []string{"now", "today", "yesterday", "1h", "24h", "7d", "30d"} {
		if strings.HasPrefix(s, strings.ToLower(toComplete)) {
			out = append(out, s)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
