package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/config"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// NewCmdConfig builds config and its subcommands.
func NewCmdConfig(f *Factory) *cobra.Command {
	cmd := groupCommand(&cobra.Command{
		Use:   "config",
		Short: "Create, list and inspect connection profiles",
		Long: `Profiles in the config file name a project, an Admin API key ID and the path
of the key file (never the key itself). The connection is resolved from the
flags, then AUTHGEAR_AUDIT_* variables, then the profile (--profile,
AUTHGEAR_AUDIT_PROFILE, default_profile, or a profile named "default"), then
defaults.

The config file is --config, else AUTHGEAR_AUDIT_CONFIG, else
$XDG_CONFIG_HOME/authgear-audit/config.yaml, else
~/.config/authgear-audit/config.yaml.`,
	})
	cmd.AddCommand(newCmdConfigAdd(f, nil), newCmdConfigList(f), newCmdConfigShow(f, nil),
		newCmdConfigUse(f), newCmdConfigRemove(f), newCmdConfigPath(f))
	return cmd
}

// completeProfiles offers the profile names of the config file.
func completeProfiles(f *Factory) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		path, explicit := config.Locate(f.global.flags().Config, f.Getenv)
		file, err := config.Load(path, explicit, nil)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return file.Names(), cobra.ShellCompDirectiveNoFileComp
	}
}

// configAddOptions are the inputs of config add.
type configAddOptions struct {
	IO         *iostreams.IOStreams
	Getenv     func(string) string
	ConfigPath func() (string, error)
	// Flags are the connection flags the user gave, by config key.
	Flags func() map[string]string

	Name        string
	MakeDefault bool
	Force       bool
}

func newCmdConfigAdd(f *Factory, runF func(*configAddOptions) error) *cobra.Command {
	o := &configAddOptions{IO: f.IO, Getenv: f.Getenv, ConfigPath: f.ConfigPath,
		Flags: func() map[string]string { return f.global.flags().Settings }}
	cmd := &cobra.Command{
		Use:   "add NAME --project ID --key-id KID --key-file FILE [--endpoint URL]",
		Short: "Add a profile (stores the key file's path, never the key)",
		Example: `  authgear-audit config add prod --project myapp --key-id 0f1e2d... --key-file ~/keys/myapp.pem --default
  authgear-audit config add selfhosted --project myapp --key-id k1 --key-file k1.pem \
      --endpoint https://auth.example.com/_api/admin/graphql --ca-file corp-ca.pem`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			if runF != nil {
				return runF(o)
			}
			return configAdd(o)
		},
	}
	cmd.Flags().BoolVar(&o.MakeDefault, "default", false, "make it the default profile")
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace a profile of the same name")
	return cmd
}

func configAdd(o *configAddOptions) error {
	name, makeDefault := o.Name, o.MakeDefault
	if err := config.CheckProfileName(name); err != nil {
		return usageError(err)
	}
	flags := o.Flags()
	if flags[config.KeyToken] != "" {
		return usageError(errors.New("config add stores no tokens: save the token in a file and pass --token-file"))
	}
	for _, k := range []string{config.KeyTimeout, config.KeyMaxRetries, config.KeyRate, config.KeyInsecureHTTP} {
		if _, ok := flags[k]; ok {
			return usageError(fmt.Errorf("config add does not store --%s: add %s to the profile in the config file by hand", config.FlagName(k), k))
		}
	}
	p := config.Profile{
		Project:  strings.TrimSpace(flags[config.KeyProject]),
		Endpoint: strings.TrimSpace(flags[config.KeyEndpoint]),
		KeyID:    strings.TrimSpace(flags[config.KeyKeyID]),
	}
	if p.Project == "" {
		return usageError(errors.New("config add needs --project (the project ID, as in the portal)"))
	}
	if strings.ContainsAny(p.Project, "/:@?# \t") {
		return usageError(fmt.Errorf("invalid --project %q: a project ID has no spaces, slashes or colons", p.Project))
	}
	if p.Endpoint != "" {
		u, err := url.Parse(p.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
			return usageError(fmt.Errorf("invalid --endpoint %q: want an absolute https URL such as %s", p.Endpoint, adminapi.DefaultEndpoint("myapp")))
		}
	}
	var err error
	abs := func(key string) (string, error) {
		v := strings.TrimSpace(flags[key])
		if v == "" {
			return "", nil
		}
		if v == "-" {
			return "", usageError(fmt.Errorf("--%s - (stdin) cannot be stored in a profile: name a file", config.FlagName(key)))
		}
		v = config.ExpandHome(v, o.Getenv)
		p, err := filepath.Abs(v)
		if err != nil {
			return "", fmt.Errorf("--%s %s: %w", config.FlagName(key), v, err)
		}
		return p, nil
	}
	if p.KeyFile, err = abs(config.KeyKeyFile); err != nil {
		return err
	}
	if p.TokenFile, err = abs(config.KeyTokenFile); err != nil {
		return err
	}
	if p.CAFile, err = abs(config.KeyCAFile); err != nil {
		return err
	}
	switch {
	case p.TokenFile != "" && (p.KeyID != "" || p.KeyFile != ""):
		return usageError(errors.New("config add takes either --key-id and --key-file, or --token-file, not both"))
	case p.TokenFile == "" && (p.KeyID == "" || p.KeyFile == ""):
		return usageError(errors.New("config add needs --key-id and --key-file (the Admin API key from the portal), or --token-file"))
	}
	if p.KeyFile != "" {
		// The key is checked now so that a typo shows today, not in the
		// night's cron job; the profile is saved anyway (the file may be
		// put in place later).
		_, warns, err := adminapi.LoadPrivateKey(p.KeyFile)
		for _, w := range warns {
			o.IO.Warn("%s", w)
		}
		if err != nil {
			o.IO.Warn("%v (the profile is saved; fix the key file before using it)", err)
		}
	}

	path, err := o.ConfigPath()
	if err != nil {
		return err
	}
	f, err := config.Load(path, false, nil)
	if err != nil {
		return configError(err)
	}
	if _, ok := f.Lookup(f.DefaultProfile); f.DefaultProfile == "" || !ok {
		// The first profile (or one added while the default is gone)
		// becomes the default: otherwise it would not be used at all.
		makeDefault = true
	}
	if err := config.AddProfile(path, name, p, o.Force, makeDefault); err != nil {
		return configError(err)
	}
	verb := "added"
	if _, ok := f.Lookup(name); ok {
		verb = "replaced"
	}
	o.IO.Notice("%s profile %q in %s", verb, name, path)
	if makeDefault {
		o.IO.Notice("%q is the default profile", name)
	}
	return nil
}

type profileRow struct {
	Name     string `json:"name"`
	Default  bool   `json:"default"`
	Project  string `json:"project,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
}

// configFormats is how config list and config show pick their format.
var configFormats = formatChoice{allowed: []string{output.FormatTable, output.FormatJSON}, onTerminal: output.FormatTable, onPipe: output.FormatTable}

func newCmdConfigList(f *Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the profiles (* marks the default)",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := configFormats.resolve(format, cmd.Flags().Changed("output"), "", f.IO.OutTTY)
			if err != nil {
				return err
			}
			file, err := f.Config()
			if err != nil {
				return err
			}
			var rows []profileRow
			for _, n := range file.Names() {
				p := file.Profiles[n]
				rows = append(rows, profileRow{Name: n, Default: file.IsDefault(n),
					Project: fmt.Sprint(orEmpty(p[config.KeyProject])), Endpoint: fmt.Sprint(orEmpty(p[config.KeyEndpoint]))})
			}
			if format == "json" {
				if rows == nil {
					rows = []profileRow{}
				}
				return writeJSON(f.IO.Out, rows)
			}
			if len(rows) == 0 {
				where := file.Path
				if !file.Exists {
					where += " (not created yet)"
				}
				f.IO.Notice("no profiles in %s: add one with `authgear-audit config add NAME --project ... --key-id ... --key-file ...`", where)
				return nil
			}
			cells := make([][]string, len(rows))
			for i, r := range rows {
				mark := " "
				if r.Default {
					mark = "*"
				}
				endpoint := r.Endpoint
				if endpoint == "" {
					endpoint = "(default)"
				}
				cells[i] = []string{mark + " " + r.Name, r.Project, endpoint}
			}
			return output.WriteTable(f.IO.Out, []string{"  NAME", "PROJECT", "ENDPOINT"}, cells)
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "table", "output format: table or json")
	return cmd
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newCmdConfigUse(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:               "use NAME",
		Short:             "Make NAME the default profile",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := f.ConfigPath()
			if err != nil {
				return err
			}
			if err := config.UseProfile(path, args[0]); err != nil {
				return configError(err)
			}
			f.IO.Notice("%q is the default profile", args[0])
			return nil
		},
	}
}

func newCmdConfigRemove(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:               "remove NAME",
		Aliases:           []string{"rm"},
		Short:             "Remove a profile (the key file itself is left alone)",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := f.ConfigPath()
			if err != nil {
				return err
			}
			wasDefault, err := config.RemoveProfile(path, args[0])
			if err != nil {
				return configError(err)
			}
			f.IO.Notice("removed profile %q from %s", args[0], path)
			if wasDefault {
				noticeNoDefault(f.IO, path)
			}
			return nil
		},
	}
}

// noticeNoDefault says, after the default profile was removed, that there
// is no default now and which profiles are left to choose from.
func noticeNoDefault(ios *iostreams.IOStreams, path string) {
	file, err := config.Load(path, false, nil)
	if err != nil {
		return
	}
	names := file.Names()
	switch n, hasDefault := file.Lookup("default"); {
	case len(names) == 0:
		ios.Notice("it was the default profile; there are no profiles left: add one with `authgear-audit config add NAME --project ... --key-id ... --key-file ...`")
	case hasDefault:
		ios.Notice("it was the default profile; there is no default_profile now, so commands use the profile named %q; the profiles left are: %s", n, strings.Join(names, ", "))
	default:
		ios.Notice("it was the default profile; there is no default profile now: give --profile, or choose one with `authgear-audit config use NAME`; the profiles left are: %s", strings.Join(names, ", "))
	}
}

func newCmdConfigPath(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "path",
		Short: "Print the path of the config file (whether or not it exists yet)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := f.ConfigPath()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(f.IO.Out, path)
			return err
		},
	}
}
