package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/output"
)

// Set at link time by the release build:
//
//	-ldflags "-X github.com/authgear-audit/authgear-audit/internal/cli.version=1.2.3
//	          -X github.com/authgear-audit/authgear-audit/internal/cli.commit=abc123
//	          -X github.com/authgear-audit/authgear-audit/internal/cli.date=2026-11-01T00:00:00Z"
//
// They are the one exception to "no package-level state": the linker writes
// them and nothing changes them at run time. `go install` leaves them empty,
// and the module's build info fills in what it knows.
var (
	version string
	commit  string
	date    string
)

// versionInfo is what `version` prints.
type versionInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Date     string `json:"date,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// buildVersion is the version of this binary: the linker's values, else the
// module version and VCS stamps from the build info.
func buildVersion() versionInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return resolveVersion(version, commit, date, bi)
}

func resolveVersion(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo) versionInfo {
	v := versionInfo{
		Version:  ldVersion,
		Commit:   ldCommit,
		Date:     ldDate,
		Go:       runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi != nil {
		if bi.GoVersion != "" {
			v.Go = bi.GoVersion
		}
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.Commit == "" {
					v.Commit = s.Value
				}
			case "vcs.time":
				if v.Date == "" {
					v.Date = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && ldCommit == "" && v.Commit != "" {
			v.Commit += "-dirty"
		}
	}
	if v.Version == "" {
		v.Version = "dev"
	}
	return v
}

// userAgentVersion is the version sent in the User-Agent header.
func userAgentVersion() string { return buildVersion().Version }

// NewCmdVersion builds version.
func NewCmdVersion(f *Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, build date and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.EqualFold(strings.TrimSpace(format), "text") {
				format = output.FormatTable // its name before tables were called table
			}
			format, err := configFormats.resolve(format, cmd.Flags().Changed("output"), "", f.IO.OutTTY)
			if err != nil {
				return err
			}
			v := buildVersion()
			switch format {
			case output.FormatTable:
				w := f.IO.Out
				fmt.Fprintf(w, "authgear-audit %s\n", v.Version)
				if v.Commit != "" {
					fmt.Fprintf(w, "commit:   %s\n", v.Commit)
				}
				if v.Date != "" {
					fmt.Fprintf(w, "built:    %s\n", v.Date)
				}
				fmt.Fprintf(w, "go:       %s\n", v.Go)
				fmt.Fprintf(w, "platform: %s\n", v.Platform)
				return nil
			}
			enc := json.NewEncoder(f.IO.Out)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "table", "output format: table or json")
	return cmd
}
