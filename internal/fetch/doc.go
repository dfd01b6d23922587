// Package fetch reads audit events from the Admin API exactly once: the
// walker behind search, export and tail.
//
// # Why cursors alone are wrong
//
// The API pages with offset cursors (`after` continues at offset N+1), orders
// by createdAt with no tiebreaker, and createdAt has one-second resolution.
// Three things then go wrong for a client that follows endCursor:
//
//   - Ties: a second holding many events comes back in a different order on
//     each request, so a page boundary inside that second can return one event
//     twice and another never, silently.
//   - Offsets: every page re-scans everything before it, so page k costs the
//     database O(k·100) rows and a long export slows down page after page.
//   - Arrivals: new events keep arriving; with newest-first offsets each one
//     shifts every later page by one (a duplicate per arrival), and a set whose
//     size is a multiple of 100 ends with an empty page whose endCursor "" means
//     "start again".
//
// # The walker: keyset over createdAt
//
// Walk asks for a window [lo, hi) with `first: 100` and no totalCount. A page
// of fewer than 100 edges is the end of the window. Otherwise let t be the
// second of the last event: every event of an earlier second is complete in
// this page and is emitted; lo becomes t and the events of second t come again
// with the next request. Each request is a narrow index range for the server
// and about N/100 of them read N events, whatever the tie order.
//
// When the last second t of a full page fills the page, it holds 100 events
// or more and time cannot split it; when it fills at least half the page,
// reading it again with what follows would waste most of the next request.
// Either way the walker drains [t, t+1s) apart, seeded with the events of t
// the page already holds, and walks on from t+1s. A drain reads pages of
// [t, t+1s) at offsets 0, 100, 200, ... with totalCount, dedupes by ID and
// keeps re-reading until it has seen totalCount distinct events. The API
// reshuffles ties on every read, so every read of a full page is as good as
// a random sample, and n events need about (n/100)·ln(2n) reads in all; once
// the count is known a round reads every offset not yet read plus enough
// samples to find what is missing nine times in ten, so a drain takes three
// or four round trips. Past
// 3·ceil(n/100)·ceil(ln(2n))+10 reads the walk fails with *adminapi.APIError
// rather than return a partial second. A count that grows between reads (an
// event written late) is followed; one that shrinks restarts the drain (a
// few times at most); a round's count is the largest it saw, since its reads
// run at once. Drains run alongside the walk, which reads at most a few
// pages ahead and emits them after the drained second, so a burst costs
// little wall time. Memory holds the current page, those
// few pages ahead and the drained seconds, never the IDs of the whole walk.
// Descending walks are the mirror image (t is the second of the oldest
// event, hi moves down).
//
// Within one second events are emitted ordered by ID (ascending, or descending
// for descending walks), so the same data always yields the same output,
// whatever tie order the server chose.
//
// A page that holds an event outside the asked window, or out of order, is an
// inconsistent answer: *adminapi.APIError, never a loop. Every step moves lo
// (or hi) by at least one second, so a walk of a bounded window ends.
//
// # Export, follow
//
// Export walks [From, To) oldest first in parallel time shards split at whole
// seconds (balanced by windowed counts when asked), streams the first shard
// and spools the others to temporary files that are replayed in order, so
// memory stays flat for any number of events. With an output of independent
// records the spooled shards hold finished records, encoded in the shards'
// goroutines, and replaying one is a copy.
//
// Counts per slice cannot see a storm of events inside a slice, so a worker
// whose shard is done takes over the later half of the shard with the most
// left to read (estimated from the counts, or from the shard's density so
// far), cut at a whole second after the point the shard's walk has reached.
// The cut and the walk's progress change under one lock, and a page asked
// for before a cut is clipped to it: it holds events past the cut only if it
// holds every event before it, and then the shard is complete. The new part
// is spooled and replayed right after the shard it came from.
//
// Follow polls windows [lastEnd, floor(now)-Lag) that tile the time line, so
// nothing is printed twice and nothing is missed. The one assumption, shared
// by export: no event is inserted with a createdAt older than the lag.
package fetch
