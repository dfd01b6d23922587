package walk

import (
	"slices"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func stamps(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = stamp(t)
	}
	return out
}

func TestEvenBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to string
		n        int
		want     []string
	}{
		{"one shard", "2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z", 1,
			[]string{"2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z"}},
		{"four quarters", "2026-11-25T10:00:00Z", "2026-11-25T11:00:00Z", 4,
			[]string{"2026-11-25T10:00:00Z", "2026-11-25T10:15:00Z", "2026-11-25T10:30:00Z", "2026-11-25T10:45:00Z", "2026-11-25T11:00:00Z"}},
		{"uneven seconds", "2026-11-25T10:00:00Z", "2026-11-25T10:00:10Z", 3,
			[]string{"2026-11-25T10:00:00Z", "2026-11-25T10:00:03Z", "2026-11-25T10:00:07Z", "2026-11-25T10:00:10Z"}},
		{"fewer seconds than shards", "2026-11-25T10:00:00Z", "2026-11-25T10:00:03Z", 8,
			[]string{"2026-11-25T10:00:00Z", "2026-11-25T10:00:01Z", "2026-11-25T10:00:02Z", "2026-11-25T10:00:03Z"}},
		{"one second cannot split", "2026-11-25T10:00:00Z", "2026-11-25T10:00:01Z", 8,
			[]string{"2026-11-25T10:00:00Z", "2026-11-25T10:00:01Z"}},
		{"sub-second ends keep their place", "2026-11-25T10:00:00.5Z", "2026-11-25T10:00:04.5Z", 2,
			[]string{"2026-11-25T10:00:00.5Z", "2026-11-25T10:00:03Z", "2026-11-25T10:00:04.5Z"}},
		{"inner bounds stay strictly inside", "2026-11-25T10:00:00.5Z", "2026-11-25T10:00:01.5Z", 4,
			[]string{"2026-11-25T10:00:00.5Z", "2026-11-25T10:00:01Z", "2026-11-25T10:00:01.5Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := stamps(evenBounds(at(tt.from), at(tt.to), tt.n))
			if !slices.Equal(got, tt.want) {
				t.Errorf("evenBounds(%s, %s, %d) = %v, want %v", tt.from, tt.to, tt.n, got, tt.want)
			}
		})
	}
}

func TestWeightedBounds(t *testing.T) {
	t.Parallel()
	// Eight slices of ten seconds from 10:00:00.
	base := at("2026-11-25T10:00:00Z")
	slicesOf := func(k int) []time.Time {
		out := make([]time.Time, k+1)
		for i := range out {
			out[i] = base.Add(time.Duration(i) * 10 * time.Second)
		}
		return out
	}
	tests := []struct {
		name   string
		counts []int
		n      int
		want   []string
	}{
		{"even counts split evenly", []int{10, 10, 10, 10, 10, 10, 10, 10}, 4,
			[]string{"10:00:00", "10:00:20", "10:00:40", "10:01:00", "10:01:20"}},
		{"all in the last slice", []int{0, 0, 0, 0, 0, 0, 0, 100}, 4,
			[]string{"10:00:00", "10:01:13", "10:01:15", "10:01:18", "10:01:20"}},
		{"interpolates inside a slice", []int{30, 10, 0, 0, 0, 0, 0, 0}, 2,
			[]string{"10:00:00", "10:00:07", "10:01:20"}},
		{"skewed", []int{100, 0, 0, 0, 0, 0, 0, 300}, 2,
			[]string{"10:00:00", "10:01:13", "10:01:20"}},
		{"nothing to count gives one shard", []int{0, 0, 0, 0, 0, 0, 0, 0}, 4,
			[]string{"10:00:00", "10:01:20"}},
		{"one shard", []int{5, 5, 5, 5, 5, 5, 5, 5}, 1,
			[]string{"10:00:00", "10:01:20"}},
		{"a burst too dense for many bounds", []int{0, 0, 0, 1000, 0, 0, 0, 0}, 16,
			// The bounds fall inside one ten-second slice: at most nine inner
			// whole seconds there.
			[]string{"10:00:00", "10:00:31", "10:00:32", "10:00:33", "10:00:34", "10:00:35", "10:00:36", "10:00:37", "10:00:38", "10:00:39", "10:01:20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := weightedBounds(slicesOf(len(tt.counts)), tt.counts, tt.n)
			short := make([]string, len(got))
			for i, b := range got {
				short[i] = b.Format("15:04:05")
			}
			if !slices.Equal(short, tt.want) {
				t.Errorf("weightedBounds(%v, %d) = %v, want %v", tt.counts, tt.n, short, tt.want)
			}
			for i := 1; i < len(got); i++ {
				if !got[i].After(got[i-1]) {
					t.Errorf("bounds not strictly increasing: %v", short)
				}
			}
		})
	}
}
