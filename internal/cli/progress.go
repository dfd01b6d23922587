package cli

import (
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// countsOf are the numbers of a walk's progress that the spinner shows.
func countsOf(p walk.Progress) iostreams.Counts {
	return iostreams.Counts{Events: p.Events, Total: p.Total, Requests: p.Requests, Kept: p.Kept, Filtered: p.Filtered}
}
