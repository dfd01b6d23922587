package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/output/shape"
)

// shapeFlags are --jq and --template of search, tail, get and count.
type shapeFlags struct {
	jq, template string
}

// register adds --jq and --template to cmd; they exclude each other and
// the flags named in exclusive (-o, --columns, ...), which they replace.
func (f *shapeFlags) register(cmd *cobra.Command, exclusive ...string) {
	fl := cmd.Flags()
	fl.StringVar(&f.jq, "jq", "", "print the output through this jq expression: strings raw, other values as compact JSON,\n"+
		"one result per line (events: once per event; count: once over its -o json output)")
	fl.StringVar(&f.template, "template", "", "print the output through this Go template (as --jq sees it); helpers: timefmt, timeago,\n"+
		"truncate, join, pluck, json, color")
	cmd.MarkFlagsMutuallyExclusive("jq", "template")
	for _, other := range exclusive {
		cmd.MarkFlagsMutuallyExclusive("jq", other)
		cmd.MarkFlagsMutuallyExclusive("template", other)
	}
}

// shaper compiles --jq or --template, before any request is made: nil when
// neither is given, bad usage when the expression or template is. Times of
// the template's helpers are shown in zone; changed says which flags the
// user gave.
func (f *shapeFlags) shaper(changed func(string) bool, now func() time.Time, zone *time.Location) (*shape.Shaper, error) {
	for name, v := range map[string]string{"jq": f.jq, "template": f.template} {
		if changed(name) && strings.TrimSpace(v) == "" {
			return nil, usageError(fmt.Errorf("--%s is empty: give an expression, or leave the flag out", name))
		}
	}
	sh, err := shape.New(shape.Spec{JQ: f.jq, Template: f.template, Zone: zone, Now: now})
	if err != nil {
		return nil, usageError(err)
	}
	return sh, nil
}

// apply sets o to write events through --jq or --template, when given; they
// run in ctx and show times in o.Zone.
func (f *shapeFlags) apply(ctx context.Context, changed func(string) bool, now func() time.Time, o *outputFlags) error {
	sh, err := f.shaper(changed, now, o.Zone)
	if err != nil || sh == nil {
		return err
	}
	o.Shape = func(w io.Writer, d shape.Dest) output.Writer { return sh.Writer(ctx, w, d) }
	return nil
}

// writer is the output.Writer of o over dst: --jq or --template when
// given, else the writer of the format in opts.
func (o outputFlags) writer(ios *iostreams.IOStreams, dst io.Writer, opts output.Options, stdout bool) (output.Writer, error) {
	if o.Shape == nil {
		return output.New(dst, opts)
	}
	return o.Shape(dst, shape.Dest{Color: opts.Color, Terminal: stdout && ios.OutTTY, FlushEach: opts.FlushEach}), nil
}

// flagGroupRE is cobra's error for flags that exclude each other.
var flagGroupRE = regexp.MustCompile(`^if any flags in the group \[[^\]]*\] are set none of the others can be; \[([^\]]*)\] were all set$`)

// flagGroupError turns cobra's error for flags that exclude each other
// into bad usage in our words ("--jq and --output exclude each other:
// give one of them"); any other error comes back as it is.
func flagGroupError(err error) error {
	if err == nil {
		return nil
	}
	var usage *UsageError
	if errors.As(err, &usage) {
		return err
	}
	m := flagGroupRE.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	names := strings.Fields(m[1])
	for i := range names {
		names[i] = "--" + names[i]
	}
	return &UsageError{Err: fmt.Errorf("%s exclude each other: give one of them", strings.Join(names, " and "))}
}
