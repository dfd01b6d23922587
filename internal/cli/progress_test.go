package cli

import (
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/iostreams"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// The spinner shows every number of a walk's progress, the events the
// filters the API lacks kept among them.
func TestCountsOf(t *testing.T) {
	got := countsOf(walk.Progress{Events: 120, Total: 500, Requests: 3, Kept: 17, Filtered: true})
	want := iostreams.Counts{Events: 120, Total: 500, Requests: 3, Kept: 17, Filtered: true}
	if got != want {
		t.Errorf("countsOf = %+v, want %+v", got, want)
	}
}
