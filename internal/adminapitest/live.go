package adminapitest

import (
	"math/rand/v2"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// Arrivals makes new events for a server that keeps receiving them while it
// serves, such as a stand-in that `tail` can follow.
//
// Its events look like those of Generate with the same options: the same
// users (so their user still resolves), the same activity types and weights,
// the same data. Seq numbers, and the per-event randomness that IDs come
// from, continue after the first events already made. An Arrivals is not
// safe for concurrent use.
type Arrivals struct {
	g     *generator
	pick  *typePicker
	burst *typePicker
	rng   *rand.Rand // types and users
	pcg   *rand.PCG  // the rest of each event, seeded per event as Generate does
	r     *rand.Rand
	seq   int64
	buf   []byte
}

// NewArrivals returns an Arrivals for events that follow Generate(o), whose
// last event has seq after (the number of events Generate returned).
func NewArrivals(o GenOptions, after int64) *Arrivals {
	// The defaults of Generate, so that the users come out the same.
	o = o.withDefaults()
	cat := auditlog.Catalog()
	a := &Arrivals{
		g:     &generator{o: o, cat: cat},
		pick:  newTypePicker(cat),
		burst: newBurstPicker(cat),
		rng:   rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed)),
		pcg:   rand.NewPCG(0, 0),
		seq:   after,
	}
	a.r = rand.New(a.pcg)
	a.g.makeUsers(a.rng)
	return a
}

// Next returns n new events created at the second of at. With burst, their
// activity types are those of a login storm, as in Generate's bursts.
func (a *Arrivals) Next(at time.Time, n int, burst bool) []Event {
	pick := a.pick
	if burst {
		pick = a.burst
	}
	offset := int64(at.UTC().Truncate(time.Second).Sub(a.g.o.Start) / time.Second)
	events := make([]Event, 0, max(n, 0))
	for range max(n, 0) {
		a.seq++
		p := plan{at: offset, typ: int32(pick.pick(a.rng)), user: int32(a.rng.IntN(len(a.g.users)))}
		a.pcg.Seed(uint64(a.g.o.Seed), uint64(a.seq))
		var e Event
		e, a.buf = a.g.event(a.r, a.seq, p, a.buf)
		events = append(events, e)
	}
	return events
}
