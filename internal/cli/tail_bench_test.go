package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

// BenchmarkTailLatency measures tail --to against the stand-in under live
// inserts, on the real clock: events are added every 50 ms (20 a second,
// a burst of 200 in one second every 10 s), each with its createdAt, and
// an HTTP receiver notes when it acknowledges each one. It reports the
// p50 and p99 of acknowledged minus createdAt, for --interval 1s and the
// --lag of its name, and, after the inserts stop, the Admin API requests
// per poll of an idle tail and the receiver requests it makes. One
// iteration takes about 30 seconds:
//
//	go test -run '^$' -bench TailLatency -benchtime 1x ./internal/cli/
//
// createdAt is whole seconds, so an event is up to a second older than
// its createdAt says; an event is read at the first poll after its second
// is more than --lag behind the clock: its latency is at most
// --lag + 1s + --interval + the time to read and deliver.
func BenchmarkTailLatency(b *testing.B) {
	for _, lag := range []time.Duration{0, time.Second} {
		b.Run(fmt.Sprintf("lag=%s", lag), func(b *testing.B) {
			for b.Loop() {
				benchTailLatency(b, time.Second, lag, 20*time.Second, 10*time.Second)
			}
		})
	}
}

func benchTailLatency(b *testing.B, interval, lag, live, idle time.Duration) {
	s := adminapitest.New(b, adminapitest.WithLatency(5*time.Millisecond))
	var mu sync.Mutex
	created := map[string]time.Time{}
	var latencies []time.Duration
	var receiverRequests atomic.Int64
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		receiverRequests.Add(1)
		events := jsonlEvents(b, readAll(r))
		now := time.Now()
		mu.Lock()
		for _, e := range events {
			latencies = append(latencies, now.Sub(created[e.ID]))
		}
		mu.Unlock()
	}))
	defer rcv.Close()

	app, _, errb := newTestApp(b, nil)
	app.Now = time.Now
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, app, append([]string{"tail", "-n", "0", "--to", rcv.URL + "/ingest",
			"--interval", interval.String(), "--lag", lag.String()}, connArgs(b, s)...))
	}()

	// Inserts: 1 event every 50 ms, and 200 at once every 10 s.
	stop := time.Now().Add(live)
	n := 0
	tick := time.NewTicker(50 * time.Millisecond)
	for k := 1; ; k++ {
		now := <-tick.C
		if now.After(stop) {
			break
		}
		batch := 1
		if k%200 == 0 {
			batch = 200
		}
		at := now.UTC().Truncate(time.Second)
		mu.Lock()
		for range batch {
			id := fmt.Sprintf("live-%06d", n)
			n++
			created[id] = at
			s.Add(plainEvent(id, at, "USER_AUTHENTICATED"))
		}
		mu.Unlock()
	}
	tick.Stop()
	// Wait for the last of them, then count an idle tail's requests.
	deadline := time.Now().Add(lag + 3*interval + 5*time.Second)
	for {
		mu.Lock()
		got := len(latencies)
		mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	apiBefore, rcvBefore := s.Requests(), receiverRequests.Load()
	time.Sleep(idle)
	apiIdle, rcvIdle := s.Requests()-apiBefore, receiverRequests.Load()-rcvBefore
	cancel()
	if code := <-done; code != 0 {
		b.Fatalf("tail: exit %d: %s", code, errb)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(latencies) != n {
		b.Fatalf("the receiver acknowledged %d of %d events", len(latencies), n)
	}
	slices.Sort(latencies)
	p := func(q float64) time.Duration { return latencies[int(q*float64(len(latencies)-1))] }
	b.ReportMetric(p(0.50).Seconds(), "p50-s")
	b.ReportMetric(p(0.99).Seconds(), "p99-s")
	b.ReportMetric(latencies[len(latencies)-1].Seconds(), "max-s")
	b.ReportMetric((interval + 2*time.Second).Seconds(), "target-s")
	b.ReportMetric(float64(apiIdle)/(float64(idle)/float64(interval)), "api-req/idle-poll")
	b.ReportMetric(float64(rcvIdle), "receiver-req-idle")
	b.ReportMetric(float64(n), "events")
}

func readAll(r *http.Request) []byte {
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		k, err := r.Body.Read(buf)
		sb.Write(buf[:k])
		if err != nil {
			return []byte(sb.String())
		}
	}
}
