package config

import (
	"fmt"
	"io"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
)

// ClientOptions maps the connection onto the Admin API client's options.
// userAgent is the version part of the User-Agent header; verbose, when
// not nil, receives a line per request; warn receives the client's
// warnings.
func (c *Connection) ClientOptions(userAgent string, verbose io.Writer, warn func(string)) adminapi.Options {
	opts := adminapi.Options{
		Endpoint:     c.Endpoint,
		ProjectID:    c.Project,
		KeyID:        c.KeyID,
		KeyFile:      c.KeyFile,
		Token:        c.Token,
		Timeout:      c.Timeout,
		MaxRetries:   c.MaxRetries,
		Rate:         c.Rate,
		CAFile:       c.CAFile,
		InsecureHTTP: c.InsecureHTTP,
		UserAgent:    userAgent,
		Verbose:      verbose,
		Warn:         warn,
		// Now stays nil: tokens are judged by the server's real clock, so
		// they are signed with the real clock even when a test fixes the
		// command's clock for relative times.
	}
	if opts.MaxRetries == 0 {
		// The client reads 0 as "the default"; max_retries 0 means none.
		opts.MaxRetries = -1
	}
	return opts
}

// Row is one line of `config show`.
type Row struct {
	Key string
	// Value is the value as shown: "(not set)" without a source, and
	// "(set, hidden)" for a secret that is set.
	Value  string
	Source Source
}

// Rows are the settings of the connection in the order `config show` lists
// them, each with its value and where it came from.
func (c *Connection) Rows() []Row {
	rows := make([]Row, len(settings))
	for i, s := range settings {
		src := c.Source(s.Key)
		v := fmt.Sprint(s.value(c))
		switch {
		case src == SourceNone:
			v = "(not set)"
		case s.Secret:
			v = "(set, hidden)"
		}
		rows[i] = Row{Key: s.Key, Value: v, Source: src}
	}
	return rows
}
