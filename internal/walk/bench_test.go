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

// cursorPaging is the baseline: what the portal does. It asks for pages of
// 100, newest first, following endCursor, and stops at the first page that
// is not full (kinder to it than stopping at an empty page). It emits what
// it gets, duplicates and all.
func cursorPaging(ctx context.Context, src walk.Source, emit func(*auditlog.Event)) error {
	after := ""
	for {
		p, err := src.Page(ctx, adminapi.PageQuery{Descending: true, First: adminapi.MaxPageSize, After: after})
		if err != nil {
			return err
		}
		for i := range p.Events {
			emit(&p.Events[i])
		}
		if p.Edges < adminapi.MaxPageSize || p.EndCursor == "" {
			return nil
		}
		after = p.EndCursor
	}
}

// BenchmarkExport exports the acceptance data (20,000 events over six hours
// plus five seconds of 250) from a stand-in that takes 30 ms per request,
// with one shard, with eight, and by cursor paging; with the real ~1.2 KB of
// data per event ("full") and with a tiny data object ("lean", where the
// stand-in's own CPU time no longer crowds the client's on a small machine).
// Compare ns/op between the sub-benchmarks of one kind; req/page is requests
// over ceil(N/100); the baseline also reports the events it doubled and
// missed.
//
//	go test -run '^$' -bench BenchmarkExport -benchtime 3x ./internal/walk
func BenchmarkExport(b *testing.B) {
	for _, kind := range []string{"full", "lean"} {
		b.Run(kind, func(b *testing.B) {
			evs, users := dataset()
			if kind == "lean" {
				lean(evs)
			}
			_, client := standIn(b, evs, users, adminapitest.WithLatency(30*time.Millisecond))
			benchmarkExport(b, client, len(evs))
		})
	}
}

func benchmarkExport(b *testing.B, client *adminapi.Client, n int) {
	sel := adminapi.Selection{From: genEnd.Add(-7 * time.Hour), To: genEnd}
	b.Run("cursor", func(b *testing.B) {
		var requests, missing, doubled int64
		for b.Loop() {
			src := &tap{src: client}
			seen := make(map[string]int, n)
			if err := cursorPaging(context.Background(), src, func(e *auditlog.Event) { seen[e.ID]++ }); err != nil {
				b.Fatal(err)
			}
			requests += src.requests()
			for _, c := range seen {
				if c > 1 {
					doubled += int64(c - 1)
				}
			}
			missing += int64(n - len(seen))
		}
		ops := float64(b.N)
		b.ReportMetric(float64(requests)/ops, "requests/op")
		b.ReportMetric(float64(requests)/ops/float64(pagesFor(n)), "req/page")
		b.ReportMetric(float64(doubled)/ops, "doubled/op")
		b.ReportMetric(float64(missing)/ops, "missed/op")
	})
	for _, parallel := range []int{1, 8} {
		b.Run(fmt.Sprintf("parallel%d", parallel), func(b *testing.B) {
			var requests, drainReads int64
			for b.Loop() {
				got := 0
				st, err := walk.Parallel(context.Background(), client, walk.ParallelOptions{
					Selection: sel, Parallel: parallel, Count: true, SpoolDir: b.TempDir(),
				}, func(*auditlog.Event) error { got++; return nil })
				if err != nil {
					b.Fatal(err)
				}
				if got != n {
					b.Fatalf("exported %d events, want %d", got, n)
				}
				requests += st.Requests
				drainReads += st.DrainReads
			}
			ops := float64(b.N)
			b.ReportMetric(float64(requests)/ops, "requests/op")
			b.ReportMetric(float64(requests)/ops/float64(pagesFor(n)), "req/page")
			b.ReportMetric(float64(requests-drainReads)/ops/float64(pagesFor(n)), "req-drains/page")
		})
	}
}

// BenchmarkExportStorm exports 20,000 events with eight shards from a
// stand-in that takes 30 ms per request: spread evenly over six hours, and
// with half of them in a storm of twenty minutes that the planned shards
// cannot balance. Idle workers take over the busy shards, so the two should
// take about the same time (without it, the storm took about 1.45 times as
// long as the even spread; with it, about 1.05).
//
//	go test -run '^$' -bench BenchmarkExportStorm -benchtime 5x ./internal/walk
func BenchmarkExportStorm(b *testing.B) {
	even, evenUsers := adminapitest.Generate(adminapitest.GenOptions{Seed: 7, Count: 19250, Start: genEnd.Add(-6 * time.Hour), End: genEnd,
		Bursts: 3, BurstSize: 250})
	storm, stormUsers := stormDataset()
	for _, c := range []struct {
		name  string
		evs   []adminapitest.Event
		users []adminapitest.User
	}{{"even", even, evenUsers}, {"storm", storm, stormUsers}} {
		b.Run(c.name, func(b *testing.B) {
			lean(c.evs)
			_, client := standIn(b, c.evs, c.users, adminapitest.WithLatency(30*time.Millisecond))
			sel := adminapi.Selection{From: genEnd.Add(-7 * time.Hour), To: genEnd}
			var requests, steals int64
			for b.Loop() {
				got := 0
				st, err := walk.Parallel(context.Background(), client, walk.ParallelOptions{
					Selection: sel, Parallel: 8, Count: true, SpoolDir: b.TempDir(),
				}, func(*auditlog.Event) error { got++; return nil })
				if err != nil {
					b.Fatal(err)
				}
				if got != len(c.evs) {
					b.Fatalf("exported %d events, want %d", got, len(c.evs))
				}
				requests += st.Requests
				steals += int64(st.Steals)
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(steals)/float64(b.N), "steals/op")
		})
	}
}
