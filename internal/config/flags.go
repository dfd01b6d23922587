package config

import (
	"time"

	"github.com/spf13/pflag"
)

// The flags and variables that choose where the settings are read from.
// They are not settings, so they are not in the table: each has its own
// rule (Locate, SelectProfile) rather than flags > env > profile >
// defaults, no profile can hold them, and `config show` prints them as the
// file and the profile rather than as rows.
const (
	FlagConfig  = "config"
	FlagProfile = "profile"
	EnvConfig   = EnvPrefix + "CONFIG"
	EnvProfile  = EnvPrefix + "PROFILE"
)

// AddFlags registers the connection flags of the table on fs, then
// --profile and --config.
func AddFlags(fs *pflag.FlagSet) {
	for _, s := range settings {
		switch s.Kind {
		case KindString:
			fs.String(s.Flag, s.Default.(string), s.Usage)
		case KindBool:
			fs.Bool(s.Flag, s.Default.(bool), s.Usage)
		case KindDuration:
			fs.Duration(s.Flag, s.Default.(time.Duration), s.Usage)
		case KindInt:
			fs.Int(s.Flag, s.Default.(int), s.Usage)
		case KindFloat:
			fs.Float64(s.Flag, s.Default.(float64), s.Usage)
		}
	}
	fs.String(FlagProfile, "", "profile of the config file to use")
	fs.String(FlagConfig, "", "config file (default $XDG_CONFIG_HOME/authgear-audit/config.yaml)")
}

// Flags are what the user gave on the command line, read from a flag set
// that AddFlags registered on.
type Flags struct {
	// Settings are the connection flags the user gave, by key, as the flag
	// parser prints them (Inputs.Flags). Flags left at their defaults are
	// not here: they would hide the environment and the profile.
	Settings map[string]string
	// Profile is --profile and Config is --config ("" when not given):
	// give them to Inputs.Profile and Locate.
	Profile string
	Config  string
}

// ReadFlags reads the flags AddFlags registered on fs after parsing. A flag
// fs does not have counts as not given.
func ReadFlags(fs *pflag.FlagSet) Flags {
	fl := Flags{Settings: map[string]string{}}
	if fs == nil {
		return fl
	}
	for _, s := range settings {
		if f := fs.Lookup(s.Flag); f != nil && f.Changed {
			fl.Settings[s.Key] = f.Value.String()
		}
	}
	if f := fs.Lookup(FlagProfile); f != nil {
		fl.Profile = f.Value.String()
	}
	if f := fs.Lookup(FlagConfig); f != nil {
		fl.Config = f.Value.String()
	}
	return fl
}
