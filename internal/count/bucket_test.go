package count

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below on machines without a zone database
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// checkBuckets checks that buckets(from, to) tile the range without gaps
// or overlaps, in whole seconds, and that every minute of it (and the
// seconds around each bound) lies in the bucket of its own key.
func checkBuckets(t *testing.T, b bucketing, from, to time.Time) []bucket {
	t.Helper()
	bs := b.buckets(from, to)
	if len(bs) == 0 {
		t.Fatalf("no buckets in [%s, %s)", from, to)
	}
	if !bs[0].from.Equal(from) || !bs[len(bs)-1].to.Equal(to) {
		t.Fatalf("buckets run from %s to %s, want %s to %s", bs[0].from, bs[len(bs)-1].to, from, to)
	}
	for i, bk := range bs {
		if !bk.from.Before(bk.to) {
			t.Fatalf("bucket %s is empty: [%s, %s)", bk.key, bk.from, bk.to)
		}
		if bk.from.Nanosecond() != 0 || bk.to.Nanosecond() != 0 {
			t.Errorf("bucket %s has bounds that are not whole seconds: %s, %s", bk.key, bk.from, bk.to)
		}
		if i > 0 {
			if !bs[i-1].to.Equal(bk.from) {
				t.Fatalf("gap or overlap between %s and %s", bs[i-1].key, bk.key)
			}
			if bs[i-1].key == bk.key {
				t.Fatalf("key %s twice in a row", bk.key)
			}
		}
		for _, s := range []time.Time{bk.from, bk.to.Add(-time.Second)} {
			if k := b.key(s); k != bk.key {
				t.Errorf("%s is in bucket %s but its key is %s", s.UTC(), bk.key, k)
			}
		}
		if i > 0 {
			if k := b.key(bk.from.Add(-time.Second)); k == bk.key {
				t.Errorf("bucket %s starts at %s, but the second before has the same key", bk.key, bk.from.UTC())
			}
		}
		for s := bk.from; s.Before(bk.to); s = s.Add(time.Minute) {
			if k := b.key(s); k != bk.key {
				t.Fatalf("%s is in bucket %s but its key is %s", s.UTC(), bk.key, k)
			}
			// The bucket's own start, as found from any of its instants.
			if st := b.start(s.Add(17 * time.Second)); i > 0 && !st.Equal(bk.from) {
				t.Fatalf("start(%s) = %s, want %s", s.UTC(), st.UTC(), bk.from.UTC())
			}
		}
	}
	// Exact but where a zone has an hour shorter or longer than an hour
	// (Chatham's 45 minutes): an estimate of one off at worst.
	if n := b.bucketCount(from, to); n < len(bs)-1 || n > len(bs)+1 {
		t.Errorf("bucketCount = %d, buckets = %d", n, len(bs))
	}
	return bs
}

// TestDaysAcrossDST: a local day is 23 or 25 hours on the days the
// clocks change, and its bounds are the zone's midnights, sent as UTC.
func TestDaysAcrossDST(t *testing.T) {
	london := mustZone(t, "Europe/London")
	b := bucketing{loc: london}
	from := time.Date(2026, 3, 27, 0, 0, 0, 0, london)
	to := time.Date(2026, 11, 1, 0, 0, 0, 0, london)
	bs := checkBuckets(t, b, from, to)
	hours := map[string]time.Duration{}
	for _, bk := range bs {
		hours[bk.key] = bk.to.Sub(bk.from)
	}
	for day, want := range map[string]time.Duration{"2026-03-28": 24 * time.Hour, "2026-03-29": 23 * time.Hour, "2026-10-25": 25 * time.Hour, "2026-10-26": 24 * time.Hour} {
		if hours[day] != want {
			t.Errorf("%s lasts %s, want %s", day, hours[day], want)
		}
	}
	// After the spring change, a London day starts at 23:00 UTC.
	for _, bk := range bs {
		if bk.key == "2026-03-30" && !bk.from.Equal(time.Date(2026, 3, 29, 23, 0, 0, 0, time.UTC)) {
			t.Errorf("2026-03-30 starts at %s, want 2026-03-29T23:00:00Z", bk.from.UTC())
		}
	}
}

// TestHoursAcrossDST: the hour the clocks go back occurs twice, as two
// buckets told apart by their offset; the hour they skip does not occur.
func TestHoursAcrossDST(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	b := bucketing{loc: ny, hour: true}
	bs := checkBuckets(t, b, time.Date(2026, 11, 1, 0, 0, 0, 0, ny), time.Date(2026, 11, 2, 0, 0, 0, 0, ny))
	if len(bs) != 25 {
		t.Errorf("%d hours on the day the clocks go back, want 25", len(bs))
	}
	var ones []string
	for _, bk := range bs {
		if bk.key[11:13] == "01" {
			ones = append(ones, bk.key)
		}
	}
	if len(ones) != 2 || ones[0] != "2026-11-01T01:00-04:00" || ones[1] != "2026-11-01T01:00-05:00" {
		t.Errorf("hours 01:00 are %v, want 01:00-04:00 then 01:00-05:00", ones)
	}
	bs = checkBuckets(t, b, time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 0, 0, 0, ny))
	if len(bs) != 23 {
		t.Errorf("%d hours on the day the clocks go forward, want 23", len(bs))
	}
}

// TestOddZones: zones whose clocks change at midnight, by half an hour, or
// whose offsets are not whole hours; and a range cut mid-bucket.
func TestOddZones(t *testing.T) {
	for _, tc := range []struct {
		zone     string
		from, to string
	}{
		{"America/Havana", "2026-03-06", "2026-03-10"},                    // spring forward at midnight: a day starts at 01:00
		{"America/Havana", "2026-10-30", "2026-11-03"},                    // fall back at 01:00 to midnight
		{"America/Santiago", "2026-04-02", "2026-04-07"},                  // at 24:00
		{"America/Santiago", "2026-09-04", "2026-09-08"},                  // midnight does not exist
		{"Australia/Lord_Howe", "2026-04-03", "2026-04-07"},               // half an hour back
		{"Australia/Lord_Howe", "2026-10-02", "2026-10-06"},               // half an hour forward
		{"Asia/Kathmandu", "2026-11-24", "2026-11-26"},                    // +05:45
		{"Asia/Kolkata", "2026-11-24", "2026-11-26"},                      // +05:30
		{"Pacific/Chatham", "2026-09-25", "2026-09-29"},                   // +12:45 to +13:45
		{"Europe/London", "2026-10-24T13:17:05Z", "2026-10-26T09:59:59Z"}, // cut mid-hour
	} {
		loc := mustZone(t, tc.zone)
		parse := func(s string) time.Time {
			if ts, err := time.Parse(time.RFC3339, s); err == nil {
				return ts
			}
			ts, err := time.ParseInLocation("2006-01-02", s, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			return ts
		}
		for _, hour := range []bool{false, true} {
			t.Run(tc.zone+"/"+tc.from, func(t *testing.T) {
				checkBuckets(t, bucketing{loc: loc, hour: hour}, parse(tc.from), parse(tc.to))
			})
		}
	}
}
