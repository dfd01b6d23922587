package adminapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 150, at(8, 0, 0), false)...)
	date := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	s.Inject(
		Fault{Status: 503},
		Fault{Status: 429, RetryAfter: "2"},
		Fault{Status: 429, RetryAfter: date},
		Fault{Status: 502, Body: "<html><body>Bad Gateway</body></html>", ContentType: "text/html"},
		Fault{Body: "garbage{"},
		Fault{GraphQLError: "database is busy"},
		Fault{Delay: 10 * time.Millisecond},
	)
	body, _ := json.Marshal(map[string]any{"query": pageQuery})
	tok := "Bearer " + s.Token(time.Minute)
	check := func(name string, status int, ct, bodyHas, retryAfter string) {
		t.Helper()
		a := do(t, s, "POST", "application/json", tok, body)
		if a.status != status || !strings.HasPrefix(a.header.Get("Content-Type"), ct) || !strings.Contains(string(a.body), bodyHas) || a.header.Get("Retry-After") != retryAfter {
			t.Errorf("%s: %d %q retry-after %q body %.80s", name, a.status, a.header.Get("Content-Type"), a.header.Get("Retry-After"), a.body)
		}
	}
	check("503", 503, "text/plain", "Service Unavailable", "")
	check("429 seconds", 429, "text/plain", "Too Many Requests", "2")
	check("429 date", 429, "text/plain", "Too Many Requests", date)
	check("502 html", 502, "text/html", "<html>", "")
	check("garbage", 200, "application/json", "garbage{", "")
	check("graphql error", 200, "application/json", `{"errors":[{"message":"database is busy"}],"data":null}`, "")
	check("delay then normal", 200, "application/json", `"totalCount":150`, "")
	check("normal", 200, "application/json", `"totalCount":150`, "")
	if n := s.PendingFaults(); n != 0 {
		t.Errorf("%d faults left", n)
	}
	if n := s.Requests(); n != 8 {
		t.Errorf("requests %d, want 8", n)
	}
}

func TestDropMidBody(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 50, at(8, 0, 0), false)...)
	s.Inject(Fault{DropMidBody: true})
	body, _ := json.Marshal(map[string]any{"query": pageQuery})
	req, _ := http.NewRequest("POST", s.Endpoint(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.Token(time.Minute))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("headers should arrive: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength <= 0 {
		t.Fatalf("status %d length %d", resp.StatusCode, resp.ContentLength)
	}
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("read the whole body (%d bytes) without error", len(b))
	}
	if int64(len(b)) >= resp.ContentLength || len(b) == 0 {
		t.Fatalf("read %d of %d bytes", len(b), resp.ContentLength)
	}
	// The next request is answered normally.
	if p := fetchPage(t, s, nil); len(p.Edges) != 50 {
		t.Fatalf("after the drop: %d edges", len(p.Edges))
	}
}

func TestOnRequestAddsEventsMidWalk(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 300, at(8, 0, 0), false)...)
	var calls atomic.Int64
	s.OnRequest(func(n int64) {
		calls.Add(1)
		if n == 2 {
			s.Add(mkEvents("new", 10, at(9, 0, 0), false)...)
		}
	})
	ids := walkIDs(t, s, nil) // newest first: the 10 new events shift later pages
	if calls.Load() != s.Requests() {
		t.Errorf("hook ran %d times for %d requests", calls.Load(), s.Requests())
	}
	seen := map[string]int{}
	for _, id := range ids {
		seen[id]++
	}
	// Page 2 starts 10 places earlier than it would have: e209..e200 come
	// twice and the new events, in front of the walk, are never seen.
	if seen["e200"] != 2 || seen["e209"] != 2 || seen["e210"] != 1 || seen["new0"] != 0 || len(ids) != 310 {
		t.Errorf("shift by 10 not observed: %d ids, e200 seen %d times", len(ids), seen["e200"])
	}
	if s.Len() != 310 {
		t.Errorf("stored %d", s.Len())
	}
}

func TestLatencyAndOffsetCostAreApplied(t *testing.T) {
	// Only checks that the knobs do not break answers; their timing is
	// measured by benchmarks, not asserted.
	s := New(t, WithLatency(time.Millisecond), WithOffsetCost(time.Microsecond))
	s.Add(mkEvents("e", 120, at(8, 0, 0), false)...)
	if ids := walkIDs(t, s, nil); len(ids) != 120 {
		t.Fatalf("walk saw %d", len(ids))
	}
}
