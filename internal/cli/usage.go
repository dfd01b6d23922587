package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Mistyped commands. cobra finds an unknown command only under the root,
// and only when the root has no positional-argument check; a command that
// merely groups others (config, auth) would print its help and exit 0, and
// so would `help serch`. These make every mistyped command a usage error
// with cobra's own message and suggestions.

// unknownCommand is cobra's message for a name that is no subcommand of
// cmd, with its suggestions:
//
//	unknown command "serch" for "authgear-audit"
//
//	Did you mean this?
//		search
func unknownCommand(cmd *cobra.Command, name string) error {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return &UsageError{Err: errors.New(msg), For: cmd.CommandPath()}
}

// isUnknownCommand recognises cobra's own unknown-command error, which it
// returns as a plain error from the root.
func isUnknownCommand(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "unknown command ")
}

// groupCommand makes cmd, which only holds subcommands, print its help when
// called alone and refuse anything else as an unknown command.
func groupCommand(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return unknownCommand(c, args[0])
		}
		return c.Help()
	}
	return cmd
}

// newHelpCmd is cobra's help command, except that a topic it does not know
// is an unknown command (exit 2), not the root's help with exit 0.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long: `Help provides help for any command in the application.
Simply type authgear-audit help [path to command] for full details.`,
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			cmd, rest, err := c.Root().Find(args)
			switch {
			case err != nil && isUnknownCommand(err):
				return &UsageError{Err: errors.New(strings.TrimRight(err.Error(), "\n")), For: c.Root().CommandPath()}
			case err != nil:
				return err
			case len(rest) > 0:
				return unknownCommand(cmd, rest[0])
			}
			cmd.InitDefaultHelpFlag()
			cmd.InitDefaultVersionFlag()
			return cmd.Help()
		},
	}
}

// usageHint is the line after a usage error that says where to read about
// the command: "Run 'authgear-audit search --help' for usage.", or "" for
// a problem in the settings, where --help would not help.
func usageHint(ran *cobra.Command, err error) string {
	path := "authgear-audit"
	if ran != nil {
		path = ran.CommandPath()
	}
	var u *UsageError
	if errors.As(err, &u) {
		if u.Settings {
			return ""
		}
		if u.For != "" {
			path = u.For
		}
	}
	return "Run '" + path + " --help' for usage."
}

// usageArgs makes a wrong number of arguments a usage error (exit 2) that
// shows the command's usage line, e.g. "accepts 1 arg(s), received 0 (usage:
// authgear-audit get ID)".
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		var u *UsageError
		if err == nil || errors.As(err, &u) {
			return err
		}
		return usageError(fmt.Errorf("%w (usage: %s)", err, cmd.UseLine()))
	}
}

// checkArgsAsUsage wraps the argument check of every command below root
// with usageArgs, once, so that wrong arguments are exit 2 everywhere and
// no command can forget it.
func checkArgsAsUsage(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Args != nil {
			c.Args = usageArgs(c.Args)
		}
		checkArgsAsUsage(c)
	}
}
