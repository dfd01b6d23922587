package output

import (
	"io"
	"runtime"
	"testing"
)

// TestWritersStream checks that writing an event allocates nothing that
// grows with the number of events: per event, every format allocates a
// small constant (the jsonl and json writers nothing at all), so 100,000
// events use the memory of one.
func TestWritersStream(t *testing.T) {
	evs := bulkEvents(64)
	limits := map[string]float64{
		FormatJSONL: 0,
		FormatJSON:  0,
		FormatCSV:   4,   // the data cell and CSV's own record handling
		FormatTable: 200, // tablewriter's per-row work: constant, freed at once
	}
	for format, limit := range limits {
		t.Run(format, func(t *testing.T) {
			w, err := New(io.Discard, Options{Format: format, UTC: true})
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			i := 0
			write := func() {
				if err := w.Write(evs[i%len(evs)]); err != nil {
					t.Fatal(err)
				}
				i++
			}
			write() // the first event sizes buffers and writes headers
			if n := testing.AllocsPerRun(2000, write); n > limit {
				t.Errorf("%v allocations per event, want at most %v", n, limit)
			}
		})
	}
}

// TestWriterMemoryFlat writes tens of thousands of events and checks that
// the live heap afterwards is no larger than after the first thousand:
// nothing is kept per event. (TestWritersStream shows the same for any
// count: the jsonl and json writers allocate nothing per event.)
func TestWriterMemoryFlat(t *testing.T) {
	evs := bulkEvents(64)
	counts := map[string]int{FormatJSONL: 20_000, FormatJSON: 5_000, FormatCSV: 5_000, FormatTable: 2_000}
	for format, n := range counts {
		t.Run(format, func(t *testing.T) {
			w, err := New(io.Discard, Options{Format: format, UTC: true})
			if err != nil {
				t.Fatal(err)
			}
			write := func(from, to int) {
				for i := from; i < to; i++ {
					if err := w.Write(evs[i%len(evs)]); err != nil {
						t.Fatal(err)
					}
				}
			}
			write(0, 1000)
			before := liveHeap()
			write(1000, n)
			after := liveHeap()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if grew := int64(after) - int64(before); grew > 256<<10 {
				t.Errorf("live heap grew by %d bytes over %d events", grew, n-1000)
			}
		})
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
