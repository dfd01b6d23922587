package walk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/walk"
)

// stormDataset is 10,000 events over six hours and a storm of 10,000 more
// in twenty minutes (a credential-stuffing attack, say), three of its
// seconds holding 250 events each: planned shards cannot be balanced (the
// counts come per slice of 25 minutes or more), so idle workers must take
// over the busy ones.
func stormDataset() ([]adminapitest.Event, []adminapitest.User) {
	base, u1 := adminapitest.Generate(adminapitest.GenOptions{Seed: 7, Count: 10000, Start: genEnd.Add(-6 * time.Hour), End: genEnd})
	storm, u2 := adminapitest.Generate(adminapitest.GenOptions{Seed: 8, Count: 9250, Bursts: 3, BurstSize: 250,
		Start: genEnd.Add(-3*time.Hour - 20*time.Minute), End: genEnd.Add(-3 * time.Hour)})
	return append(base, storm...), append(u1, u2...)
}

// TestExportSteals: with the storm, shards are split while they are walked,
// and the export is still the stand-in's own answer, each event once, in
// order, whether the split points come from the counts or from the density
// a shard has seen.
func TestExportSteals(t *testing.T) {
	t.Parallel()
	evs, users := stormDataset()
	lean(evs)
	srv, client := standIn(t, evs, users)
	sel := adminapi.Selection{From: genEnd.Add(-7 * time.Hour), To: genEnd}
	want := expected(srv, sel, false)
	for _, count := range []bool{true, false} {
		t.Run(fmt.Sprintf("counts %v", count), func(t *testing.T) {
			t.Parallel()
			spool := t.TempDir()
			var got []*auditlog.Event
			o := walk.ParallelOptions{Selection: sel, Parallel: 8, Count: count, SpoolDir: spool}
			src := &tap{src: client}
			st, err := walk.Parallel(context.Background(), src, o, func(e *auditlog.Event) error {
				got = append(got, e)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			sameEvents(t, ids(got), want)
			emptyDir(t, spool)
			checkRequestBudget(t, src, st, len(want), 8)
			if st.Steals == 0 {
				t.Error("no shard was split")
			}
			if st.Steals > st.Shards {
				t.Errorf("%d steals for %d shards, want at most one each", st.Steals, st.Shards)
			}
		})
	}
}
