// Package adminapitest is a stand-in for the Authgear Admin API, for tests
// and benchmarks of everything that talks to it.
//
// It is faithful to what a client can observe of the real server, as
// described in the project's notes on the Admin API:
//
//   - It serves the repository's own schema.graphql with a real GraphQL
//     engine (graph-gophers/graphql-go), so a query the real server would
//     reject by validation is rejected here too, with an errors array.
//   - Transport: POST with JSON or application/graphql (else 415), GET shows
//     a GraphiQL-like page, Cache-Control: no-store, argument errors as HTTP
//     200 with errors, an unparsable query or body as HTTP 500 with the
//     {"error":{...}} envelope.
//   - Authentication: "Authorization: Bearer <JWT>", RS256, kid among the
//     project's keys, aud = project ID, exp/iat/nbf checked only when present
//     with five minutes of leeway; anything wrong is 403 text/plain
//     "Forbidden".
//   - auditLogs: first capped at 100 (default 100), offset cursors
//     (base64url of "offset:N"), after:"" starting over, hasNextPage true
//     whenever a page is full (so an extra empty page ends a set whose size
//     is a multiple of 100), ORDER BY createdAt with no tiebreaker (events
//     that share a second come back as the real server's query plans give
//     them by default, see TiesPostgres, or reshuffled on every request,
//     fixed per window, or stable; seeded, see WithSeed), whole-second
//     createdAt, rangeFrom inclusive and rangeTo
//     exclusive, the zone of a DateTime dropped, activity type, user and
//     recipient filters (users OR recipients), the retention limit,
//     totalCount computed only when selected, node(id), and the user
//     lookups.
//
// On top of that it has knobs the real server does not: latency, a cost per
// row of offset, injected faults (status codes with Retry-After, garbage
// bodies, connections dropped mid-body, GraphQL errors, delays), a hook run
// before each request, and counters. Generate makes realistic events;
// Select gives the reference answer tests compare a client's result with.
package adminapitest
