// Package walk reads audit events from the Admin API exactly once: the
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
// Serial asks for a window [lo, hi) with `first: 100` and no totalCount. A page
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
// the page already holds, and walks on from t+1s.
//
// # Draining a busy second
//
// A drain may rely on two facts only: a page whose window holds every
// matching event is complete, and totalCount is right. The order of the
// events of one second is the database's: the real server keeps one order
// at every offset when nothing is filtered, but sorts a filtered query with
// PostgreSQL's bounded heap, which returns the same page for the same query
// and never returns some rows at offsets 0, 100, 200, ...; other plans may
// reshuffle ties on every request or fix them per window. So a drain varies
// what it asks:
//
//  1. Tile: pages at offsets 0, 99, 198, ... with totalCount. Pages that
//     overlap by one row cover the row a bounded heap skips, so a stable
//     or PostgreSQL order is complete after about n/99 reads.
//  2. Split: a part still incomplete that spans several activity types is
//     counted per type in one request (aliases of auditLogs); types of at
//     most a page are packed into parts of at most a page and read whole,
//     which is complete by the first fact, whatever the order.
//  3. Sample: a part of one type with more than a page is read through
//     windows (offset, page size) never asked before, until its count is
//     reached; every fresh window of a reshuffling or per-window order is
//     a new random sample.
//
// Past 3·ceil(n/100)·ceil(ln(2n))+10 requests the walk fails with an
// *adminapi.APIError naming the second and the filter, rather than return
// a partial second; with --verbose it lists the windows read. A count that
// grows between reads (an event written late) is followed; one that
// shrinks restarts the drain (a few times at most); a round's count is the
// largest it saw, since its reads run at once. Drains run alongside the
// walk, which reads at most a few pages ahead and emits them after the
// drained second, so a burst costs little wall time. Memory holds the
// current page, those few pages ahead and the drained seconds, never the
// IDs of the whole walk. Descending walks are the mirror image (t is the
// second of the oldest event, hi moves down).
//
// Within one second events are emitted ordered by ID (ascending, or descending
// for descending walks), so the same data always yields the same output,
// whatever tie order the server chose.
//
// A page that holds an event outside the asked window, or out of order, is an
// inconsistent answer: *adminapi.APIError, never a loop. Every step moves lo
// (or hi) by at least one second, so a walk of a bounded window ends.
//
// # Parallel, follow
//
// Parallel walks [From, To) oldest first in parallel time shards split at whole
// seconds (balanced by windowed counts when asked), streams the first shard
// and spools the others to temporary files that are replayed in order, so
// memory stays flat for any number of events. The spool holds events, never
// output: fetch knows nothing of formats.
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
package walk
