package adminapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"
)

// million is generated once per test binary, and only by the benchmarks
// that need it.
var million = sync.OnceValues(func() ([]Event, []User) {
	return Generate(GenOptions{Seed: 1, Count: 1_000_000, Bursts: 20, BurstSize: 500, Users: 20_000})
})

func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(itoa(n), func(b *testing.B) {
			for b.Loop() {
				Generate(GenOptions{Seed: 1, Count: n})
			}
		})
	}
}

// BenchmarkGenerateMillion reports the time and heap of one generation of
// a million events.
func BenchmarkGenerateMillion(b *testing.B) {
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ev, _ := Generate(GenOptions{Seed: 1, Count: 1_000_000})
		runtime.GC()
		runtime.ReadMemStats(&after)
		size := 0
		for i := range ev {
			size += len(ev[i].Data)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(size)/float64(len(ev)), "data-B/event")
		runtime.KeepAlive(ev)
	}
}

// BenchmarkPage serves 100-event pages from a million stored events.
func BenchmarkPage(b *testing.B) {
	events, users := million()
	s := New(b, WithEvents(events, users))
	mid := events[len(events)/2].CreatedAt
	cases := []struct {
		name string
		vars map[string]any
	}{
		{"offset0-desc-all", map[string]any{}},
		{"offset0-asc-hour", map[string]any{"sortDirection": "ASC", "rangeFrom": mid.Format(time.RFC3339), "rangeTo": mid.Add(time.Hour).Format(time.RFC3339)}},
		{"offset5000-desc-all", map[string]any{"after": encodeCursor(4999)}},
		{"offset0-desc-type-filter-day", map[string]any{"activityTypes": []string{"EMAIL_SENT"}, "rangeFrom": mid.Format(time.RFC3339), "rangeTo": mid.Add(24 * time.Hour).Format(time.RFC3339)}},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	tok := "Bearer " + s.Token(time.Hour)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			body, _ := json.Marshal(map[string]any{"query": pageQuery, "variables": c.vars, "operationName": "P"})
			var n int64
			cpu0 := cpuTime()
			for b.Loop() {
				req, _ := http.NewRequest("POST", s.Endpoint(), bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", tok)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				m, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
				n = m
			}
			b.ReportMetric(float64(n), "resp-bytes")
			// CPU of the whole process (server and client side) per page:
			// on a busy machine ns/op also counts waiting for a core.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// BenchmarkPageSmall serves the newest 100 of 20,000 events: the cost of
// GraphQL execution and encoding without a large heap around it.
func BenchmarkPageSmall(b *testing.B) {
	events, users := Generate(GenOptions{Seed: 1, Count: 20_000})
	s := New(b, WithEvents(events, users))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	tok := "Bearer " + s.Token(time.Hour)
	body, _ := json.Marshal(map[string]any{"query": pageQuery, "variables": map[string]any{}, "operationName": "P"})
	cpu0 := cpuTime()
	for b.Loop() {
		req, _ := http.NewRequest("POST", s.Endpoint(), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", tok)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
