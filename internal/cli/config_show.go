package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/config"
	"github.com/authgear-audit/authgear-audit/internal/output"
)

// config show: the resolved connection settings and where each comes from.

type settingRow struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

func newConfigShowCmd(a *App) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show [NAME]",
		Short: "Show the resolved connection settings and where each comes from",
		Long: `Show the connection settings as a command would use them, each with its
source: flag, env (AUTHGEAR_AUDIT_*), profile, or default. With NAME, as if
--profile NAME were given. A token is never shown, only whether one is set.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles(a),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageError(fmt.Errorf("invalid -o %q: want table or json", format))
			}
			if len(args) == 1 {
				if a.Global.Profile != "" && a.Global.Profile != args[0] {
					return usageError(fmt.Errorf("config show %s and --profile %s disagree: give one", args[0], a.Global.Profile))
				}
				a.Global.Profile = args[0]
			}
			conn, err := a.settings()
			if err != nil {
				return err
			}
			return a.showSettings(conn, format)
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "table", "output format: table or json")
	return cmd
}

func (a *App) showSettings(c *config.Connection, format string) error {
	file := c.File
	if file == "" {
		if p, _ := config.Locate(a.Global.ConfigPath, a.getenv); p != "" {
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
		profile += " (" + config.EnvName("profile") + ")"
	case c.ProfileSource == config.SourceProfile:
		profile += " (default_profile)"
	case c.ProfileSource == config.SourceDefault:
		profile += ` (the profile named "default")`
	}
	values := map[string]string{
		config.KeyEndpoint:     c.Endpoint,
		config.KeyProject:      c.Project,
		config.KeyKeyID:        c.KeyID,
		config.KeyKeyFile:      c.KeyFile,
		config.KeyTokenFile:    c.TokenFile,
		config.KeyCAFile:       c.CAFile,
		config.KeyInsecureHTTP: fmt.Sprint(c.InsecureHTTP),
		config.KeyTimeout:      c.Timeout.String(),
		config.KeyMaxRetries:   fmt.Sprint(c.MaxRetries),
		config.KeyRate:         fmt.Sprint(c.Rate),
	}
	if c.Token != "" {
		values[config.KeyToken] = "(set, hidden)"
	}
	var rows []settingRow
	for _, k := range config.Keys() {
		src := c.Source(k)
		v := values[k]
		if src == config.SourceNone {
			v = "(not set)"
		}
		rows = append(rows, settingRow{Key: k, Value: v, Source: a.describeSource(k, src, c.Profile)})
	}
	if format == "json" {
		return writeJSON(a.IO.Out, struct {
			File     string       `json:"file"`
			Profile  string       `json:"profile"`
			Settings []settingRow `json:"settings"`
		}{file, c.Profile, rows})
	}
	if err := output.WriteFields(a.IO.Out, [][2]string{{"config file", file}, {"profile", profile}}); err != nil {
		return err
	}
	fmt.Fprintln(a.IO.Out)
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = []string{r.Key, r.Value, r.Source}
	}
	return output.WriteTable(a.IO.Out, []string{"SETTING", "VALUE", "SOURCE"}, cells)
}

// describeSource says where a setting came from, with the flag, variable or
// profile: "env (AUTHGEAR_AUDIT_TIMEOUT)".
func (a *App) describeSource(key string, src config.Source, profile string) string {
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
