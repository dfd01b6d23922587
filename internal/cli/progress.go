package cli

import (
	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// progressOf feeds a walk's progress to the spinner (a no-op for a nil
// spinner).
func progressOf(p *iostreams.Progress) func(walk.Progress) {
	return func(pr walk.Progress) {
		p.Update(iostreams.Counts{Events: pr.Events, Total: pr.Total, Requests: pr.Requests, Kept: pr.Kept, Filtered: pr.Filtered})
	}
}
