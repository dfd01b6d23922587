package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/config"
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// config show: the resolved connection settings and where each comes from.

type settingRow struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// configShowOptions are the inputs of config show.
type configShowOptions struct {
	IO       *iostreams.IOStreams
	Settings func() (*config.Connection, error)
	// ConfigPath is where the config file would be when there is none.
	ConfigPath func() (string, error)
	// Profile is --profile; SetProfile makes NAME the profile resolved.
	Profile    string
	SetProfile func(string)

	Name    string // NAME, "" for none
	format  string
	changed func(name string) bool
	Format  string
}

func newCmdConfigShow(f *Factory, runF func(*configShowOptions) error) *cobra.Command {
	o := &configShowOptions{IO: f.IO, Settings: f.Settings, ConfigPath: f.ConfigPath,
		SetProfile: func(name string) { f.global.flags().Profile = name }}
	cmd := &cobra.Command{
		Use:   "show [NAME]",
		Short: "Show the resolved connection settings and where each comes from",
		Long: `Show the connection settings as a command would use them, each with its
source: flag, env (AUTHGEAR_AUDIT_*), profile, or default. With NAME, as if
--profile NAME were given. A token is never shown, only whether one is set.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Profile, o.changed = f.global.flags().Profile, cmd.Flags().Changed
			if len(args) == 1 {
				o.Name = args[0]
			}
			if err := o.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return showSettings(o)
		},
	}
	cmd.Flags().StringVarP(&o.format, "output", "o", "table", "output format: table or json")
	return cmd
}

// validate checks the flags and the argument.
func (o *configShowOptions) validate() error {
	var err error
	if o.Format, err = configFormats.resolve(o.format, o.changed("output"), "", o.IO.OutTTY); err != nil {
		return err
	}
	if o.Name != "" && o.Profile != "" && o.Profile != o.Name {
		return usageError(fmt.Errorf("config show %s and --profile %s disagree: give one", o.Name, o.Profile))
	}
	return nil
}

func showSettings(o *configShowOptions) error {
	if o.Name != "" {
		o.SetProfile(o.Name)
	}
	c, err := o.Settings()
	if err != nil {
		return err
	}
	format := o.Format
	file := c.File
	if file == "" {
		if p, err := o.ConfigPath(); err == nil {
			file = p + " (not found)"
		} else {
			file = "(none)"
		}
	}
	profile := c.Profile
	switch {
	case profile == "":
		profile = "(none)"
	case c.ProfileSource == config.SourceFlag:
		profile += " (--profile)"
	case c.ProfileSource == config.SourceEnv:
		profile += " (" + config.EnvProfile + ")"
	case c.ProfileSource == config.SourceProfile:
		profile += " (default_profile)"
	case c.ProfileSource == config.SourceDefault:
		profile += ` (the profile named "default")`
	}
	var rows []settingRow
	for _, r := range c.Rows() {
		rows = append(rows, settingRow{Key: r.Key, Value: r.Value, Source: describeSource(r.Key, r.Source, c.Profile)})
	}
	if format == "json" {
		return writeJSON(o.IO.Out, struct {
			File     string       `json:"file"`
			Profile  string       `json:"profile"`
			Settings []settingRow `json:"settings"`
		}{file, c.Profile, rows})
	}
	if err := output.WriteFields(o.IO.Out, [][2]string{{"config file", file}, {"profile", profile}}); err != nil {
		return err
	}
	fmt.Fprintln(o.IO.Out)
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = []string{r.Key, r.Value, r.Source}
	}
	return output.WriteTable(o.IO.Out, []string{"SETTING", "VALUE", "SOURCE"}, cells)
}

// describeSource says where a setting came from, with the flag, variable or
// profile: "env (AUTHGEAR_AUDIT_TIMEOUT)".
func describeSource(key string, src config.Source, profile string) string {
	switch src {
	case config.SourceFlag:
		return "flag (--" + config.FlagName(key) + ")"
	case config.SourceEnv:
		return "env (" + config.EnvName(key) + ")"
	case config.SourceProfile:
		return "profile (" + profile + ")"
	case config.SourceDefault:
		return "default"
	}
	return ""
}
