package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/deliver"
)

// idReceiver is an HTTP receiver of JSON lines that keys events by ID,
// as Elasticsearch with _id does: it counts how often each ID came.
// refuse, while set, answers every request with that status.
type idReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	ids     map[string]int
	order   []string
	auth    []string // the Authorization header of each request
	refuse  atomic.Int32
	arrived func(ids []string)
}

func newIDReceiver(t testing.TB) *idReceiver {
	rc := &idReceiver{ids: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.auth = append(rc.auth, r.Header.Get("Authorization"))
		rc.mu.Unlock()
		if code := rc.refuse.Load(); code != 0 {
			http.Error(w, http.StatusText(int(code)), int(code))
			return
		}
		var got []string
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var e auditlog.Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.ID == "" {
				http.Error(w, "not an event", http.StatusBadRequest)
				return
			}
			got = append(got, e.ID)
		}
		if sc.Err() != nil {
			return // the sender went away: nothing taken
		}
		rc.mu.Lock()
		for _, id := range got {
			rc.ids[id]++
			rc.order = append(rc.order, id)
		}
		if rc.arrived != nil {
			rc.arrived(got)
		}
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *idReceiver) count() (unique, total int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.ids), len(rc.order)
}

func (rc *idReceiver) seen() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return maps.Clone(rc.ids)
}

// fileEvents reads the JSON lines of a file; a missing file has none.
func fileEvents(t testing.TB, path string) []auditlog.Event {
	t.Helper()
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return jsonlEvents(t, raw)
}

// oldAndNew is a stand-in holding 40 events of the last 40 minutes, 25 of
// them in one second (a batch of 7 ends inside it), and a clock the test
// moves.
func oldAndNew(t *testing.T) (s *adminapitest.Server, start time.Time, clock *atomic.Int64) {
	start = time.Now().UTC().Truncate(time.Second)
	clock = &atomic.Int64{}
	clock.Store(start.UnixNano())
	s = adminapitest.New(t)
	for i := range 15 {
		s.Add(plainEvent(fmt.Sprintf("old-%02d", i), start.Add(-time.Duration(40-i)*time.Minute), "USER_AUTHENTICATED"))
	}
	for i := range 25 {
		s.Add(plainEvent(fmt.Sprintf("busy-%02d", i), start.Add(-10*time.Minute), "USER_AUTHENTICATED"))
	}
	return s, start, clock
}

// runUntil runs args in the background on clock, waits until cond holds,
// then interrupts it (Ctrl-C) and returns its exit code and stderr.
func runUntil(t *testing.T, clock *atomic.Int64, env map[string]string, args []string, what string, cond func() bool) (int, string) {
	t.Helper()
	app, _, errb := newTestApp(t, env)
	app.IO.Out = &lockedBuffer{}
	app.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, app, args) }()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		select {
		case code := <-done:
			return code, errb.String()
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("gave up waiting for %s: %s", what, errb)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	return <-done, errb.String()
}

// TestTailStateOut: tail --state --out appends every event once across
// runs, resumes at its checkpoint, and refuses a changed filter, a file
// cut short and a state that another tail holds.
func TestTailStateOut(t *testing.T) {
	s, start, clock := oldAndNew(t)
	dir := t.TempDir()
	state, out := filepath.Join(dir, "state", "tail.json"), filepath.Join(dir, "audit.jsonl")
	args := append([]string{"tail", "--state", state, "--out", out, "--since", rfc(start.Add(-time.Hour)),
		"--interval", "10ms", "--lag", "2s", "--batch-size", "7", "--activity", "USER_AUTHENTICATED"}, connArgs(t, s)...)
	has := func(n int) func() bool { return func() bool { return len(fileEvents(t, out)) >= n } }

	if code, errb := runUntil(t, clock, nil, args, "the first 40 events", has(40)); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errb)
	}
	// New events, one of another type; the clock moves past them.
	s.Add(plainEvent("new-1", start.Add(time.Second), "USER_AUTHENTICATED"),
		plainEvent("new-other", start.Add(time.Second), "USER_CREATED"),
		plainEvent("new-2", start.Add(3*time.Second), "USER_AUTHENTICATED"))
	clock.Store(start.Add(10 * time.Second).UnixNano())
	code, errb := runUntil(t, clock, nil, args, "the new events", has(42))
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errb)
	}
	if !strings.Contains(errb, "resuming at ") {
		t.Errorf("the second run did not say it resumed: %q", errb)
	}
	want := slices.DeleteFunc(s.Events(), func(e adminapitest.Event) bool { return e.ActivityType != "USER_AUTHENTICATED" })
	checkExactlyOnce(t, fileEvents(t, out), want, false)
	st, err := deliver.LoadState(state)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(out)
	if want := start.Add(8 * time.Second); !st.Checkpoint.Through.Equal(want) || st.OutBytes != fi.Size() || st.Destination != "--out "+out || st.Format != "jsonl" {
		t.Errorf("state %+v: want through %s, outBytes %d", st, want, fi.Size())
	}
	if fi, _ := os.Stat(state); fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}

	refused := []struct {
		name   string
		args   []string
		before func()
		code   int
		msg    string
	}{
		{"changed filter", append(slices.Clone(args), "--activity", "USER_CREATED"), nil, ExitUsage,
			"belongs to another tail: --activity was USER_AUTHENTICATED, now USER_AUTHENTICATED, USER_CREATED"},
		{"other file", replaceArg(args, out, out+".2"), nil, ExitUsage, "it delivered to --out " + out + ", now to --out " + out + ".2"},
		{"file cut short", args, func() { os.Truncate(out, 10) }, ExitUsage, "fewer than the"},
		{"locked", args, func() {
			l, err := deliver.Lock(state, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Release() })
		}, ExitFailure, "another run holds the lock on " + state + ".lock (pid "},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			app, _, errb := newTestApp(t, nil)
			app.Now = func() time.Time { return time.Unix(0, clock.Load()) }
			if code := runApp(t, app, tt.args...); code != tt.code || !strings.Contains(errb.String(), tt.msg) {
				t.Errorf("exit %d, want %d, with %q: %s", code, tt.code, tt.msg, errb)
			}
		})
	}
}

func replaceArg(args []string, old, new string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		if a == old {
			out[i] = new
		}
	}
	return out
}

// TestTailTo: tail --to sends every event to the receiver, with the
// header from the environment, never printed (not with --verbose); a
// receiver that refuses the token stops it with exit 1 and the checkpoint
// where it was; the next run delivers the rest.
func TestTailTo(t *testing.T) {
	s, start, clock := oldAndNew(t)
	rc := newIDReceiver(t)
	state := filepath.Join(t.TempDir(), "tail.json")
	env := map[string]string{"RECEIVER_TOKEN": "tok-7d1e2f"}
	args := append([]string{"-v", "tail", "--state", state, "--to", rc.URL + "/ingest", "--to-header", "Authorization:Bearer $RECEIVER_TOKEN",
		"--since", rfc(start.Add(-time.Hour)), "--interval", "10ms", "--lag", "2s", "--batch-size", "10"}, connArgs(t, s)...)
	code, errb := runUntil(t, clock, env, args, "the 40 events", func() bool { u, _ := rc.count(); return u >= 40 })
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if strings.Contains(errb, "tok-7d1e2f") || !strings.Contains(errb, "POST "+rc.URL+"/ingest: 200 OK") {
		t.Errorf("stderr with -v: want each request logged and no token: %s", errb)
	}
	if rc.auth[0] != "Bearer tok-7d1e2f" {
		t.Errorf("Authorization %q", rc.auth[0])
	}
	before, _ := deliver.LoadState(state)

	s.Add(plainEvent("new-1", start.Add(time.Second), "USER_AUTHENTICATED"))
	clock.Store(start.Add(10 * time.Second).UnixNano())
	rc.refuse.Store(http.StatusUnauthorized)
	app, _, errBuf := newTestApp(t, env)
	app.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	if code := runApp(t, app, args...); code != ExitFailure || !strings.Contains(errBuf.String(), "refused the token (401 Unauthorized") {
		t.Errorf("a refused token: exit %d, want 1: %s", code, errBuf)
	}
	after, _ := deliver.LoadState(state)
	if !after.Checkpoint.Through.Equal(before.Checkpoint.Through) {
		t.Errorf("the checkpoint moved from %s to %s past a refused batch", before.Checkpoint.Through, after.Checkpoint.Through)
	}
	rc.refuse.Store(0)
	if code, errb := runUntil(t, clock, env, args, "the new event", func() bool { return rc.seen()["new-1"] > 0 }); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for id, n := range rc.seen() {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	if u, _ := rc.count(); u != 41 {
		t.Errorf("the receiver holds %d events, want 41", u)
	}
}

// TestTailDeliveryBadInput: the flags of delivery are checked before
// any request.
func TestTailDeliveryBadInput(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"--to-header", "X:y"}, "--to-header applies to --to"},
		{[]string{"--batch-size", "10"}, "--batch-size applies to --to, --out or --state"},
		{[]string{"--to", "https://siem.example.com/", "--batch-size", "0"}, "--batch-size: 0 is not positive"},
		{[]string{"--to", "https://siem.example.com/", "--out", "x.jsonl"}, "--out and --to exclude each other"},
		{[]string{"--to", "https://siem.example.com/", "-o", "csv"}, "--output and --to exclude each other"},
		{[]string{"--out", "x.csv", "-o", "csv"}, "--out appends JSON lines: -o csv cannot be appended to"},
		{[]string{"--to", "http://siem.example.com/"}, "--to: refusing plain http:// to siem.example.com"},
		{[]string{"--to", "https://siem.example.com/", "--to-format", "gelf"}, `--to-format: unknown format "gelf"`},
		{[]string{"--to", "https://siem.example.com/", "--to-header", "Authorization:Bearer $NOT_SET"}, "--to-header Authorization: the variable NOT_SET is not set or empty"},
		{[]string{"--to", "https://siem.example.com/", "--to-ca-file", "/nonexistent/ca.pem"}, "--to-ca-file: open /nonexistent/ca.pem"},
	}
	s := adminapitest.New(t)
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			app, out, errb := newTestApp(t, nil)
			before := s.Requests()
			// An email in --user would be looked up: the flags are checked first.
			if code := runApp(t, app, append(append([]string{"tail", "--user", "alice@example.com"}, tt.args...), connArgs(t, s)...)...); code != ExitUsage {
				t.Errorf("exit %d, want %d: %s", code, ExitUsage, errb)
			}
			if n := s.Requests() - before; n != 0 {
				t.Errorf("%d requests before the flags were refused", n)
			}
			if lines := stderrLines(errb); len(lines) == 0 || !strings.HasPrefix(lines[0], "authgear-audit: "+tt.msg) {
				t.Errorf("stderr = %q, want first line %q", lines, "authgear-audit: "+tt.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q", out)
			}
		})
	}
	app, _, errb := newTestApp(t, nil)
	if code := runApp(t, app, "search", "--state", "s.json"); code != ExitUsage || !strings.Contains(errb.String(), "--state applies to --follow") {
		t.Errorf("search --state without --follow: exit %d: %s", code, errb)
	}
}

// TestSearchFollowState: search --follow --state resumes as tail --state
// does, to stdout.
func TestSearchFollowState(t *testing.T) {
	s, start, clock := oldAndNew(t)
	state := filepath.Join(t.TempDir(), "tail.json")
	args := append([]string{"search", "-f", "--state", state, "--since", rfc(start.Add(-time.Hour)), "--interval", "10ms", "--lag", "2s", "-o", "jsonl"}, connArgs(t, s)...)
	var printed bytes.Buffer
	for round, n := range []int{40, 1} {
		app, _, errb := newTestApp(t, nil)
		out := &lockedBuffer{}
		app.IO.Out = out
		app.Now = func() time.Time { return time.Unix(0, clock.Load()) }
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan int, 1)
		go func() { done <- run(ctx, app, args) }()
		waitFor(t, "the events", done, errb, func() bool { return len(jsonlEvents(t, out.Bytes())) >= n })
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("round %d: exit %d: %s", round, code, errb)
		}
		printed.Write(out.Bytes())
		if round == 0 {
			s.Add(plainEvent("new-1", start.Add(time.Second), "USER_AUTHENTICATED"))
			clock.Store(start.Add(10 * time.Second).UnixNano())
		}
	}
	checkExactlyOnce(t, jsonlEvents(t, printed.Bytes()), s.Events(), false)
}

// TestTailToHTTPS: a receiver with a private CA is refused with a line
// that names --to-ca-file, and reached with it.
func TestTailToHTTPS(t *testing.T) {
	s, start, clock := oldAndNew(t)
	rc := newIDReceiver(t)
	tlsSrv := httptest.NewTLSServer(rc.Config.Handler)
	defer tlsSrv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeCertPEM(t, ca, tlsSrv.Certificate().Raw)
	args := append([]string{"tail", "--to", tlsSrv.URL + "/ingest", "--since", rfc(start.Add(-time.Hour)), "--interval", "10ms", "--lag", "2s"}, connArgs(t, s)...)
	app, _, errb := newTestApp(t, nil)
	app.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	if code := runApp(t, app, args...); code != ExitFailure || !strings.Contains(errb.String(), "give the receiver's CA with --to-ca-file") {
		t.Errorf("an unknown CA: exit %d, want 1: %s", code, errb)
	}
	code, errs := runUntil(t, clock, nil, append(args, "--to-ca-file", ca), "the events", func() bool { u, _ := rc.count(); return u >= 40 })
	if code != 0 {
		t.Errorf("with --to-ca-file: exit %d: %s", code, errs)
	}
}

func writeCertPEM(t *testing.T, path string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTailToSyslog: tail --to syslog:// sends one RFC 5424 message per
// event, octet-counted.
func TestTailToSyslog(t *testing.T) {
	s, start, clock := oldAndNew(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var msgs []string
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					size, err := br.ReadString(' ')
					if err != nil {
						return
					}
					n, _ := strconv.Atoi(strings.TrimSpace(size))
					buf := make([]byte, n)
					if _, err := io.ReadFull(br, buf); err != nil {
						return
					}
					mu.Lock()
					msgs = append(msgs, string(buf))
					mu.Unlock()
				}
			}()
		}
	}()
	args := append([]string{"tail", "--to", "syslog://" + ln.Addr().String(), "--since", rfc(start.Add(-time.Hour)), "--interval", "10ms", "--lag", "2s"}, connArgs(t, s)...)
	code, errb := runUntil(t, clock, nil, args, "40 messages", func() bool { mu.Lock(); defer mu.Unlock(); return len(msgs) >= 40 })
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(msgs) != 40 || !strings.HasPrefix(msgs[0], "<") || !strings.Contains(msgs[0], "old-00") {
		t.Errorf("%d messages, first %q", len(msgs), msgs[0])
	}
}

// bulkReceiver is an Elasticsearch _bulk endpoint that holds one document
// per _id: a create of an _id it holds is a 409 conflict, as in
// Elasticsearch. delay, when set, is how long it waits between taking a
// batch and answering.
type bulkReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	docs     map[string]int // _id: the position of its create among all
	attempts int            // creates asked for, conflicts included
	delay    time.Duration
}

func newBulkReceiver(t testing.TB) *bulkReceiver {
	rc := &bulkReceiver{docs: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/_bulk") || r.Header.Get("Content-Type") != "application/x-ndjson" {
			http.Error(w, "not a bulk request", http.StatusBadRequest)
			return
		}
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		type item struct {
			ID     string `json:"_id"`
			Status int    `json:"status"`
		}
		var items []map[string]item
		var ids []string
		for sc.Scan() {
			var action struct {
				Create *struct {
					ID string `json:"_id"`
				} `json:"create"`
			}
			if err := json.Unmarshal(sc.Bytes(), &action); err != nil || action.Create == nil || !sc.Scan() {
				http.Error(w, "bad action line", http.StatusBadRequest)
				return
			}
			var doc struct {
				Timestamp string `json:"@timestamp"`
				ID        string `json:"id"`
			}
			if err := json.Unmarshal(sc.Bytes(), &doc); err != nil || doc.ID != action.Create.ID || doc.Timestamp == "" {
				http.Error(w, "bad document line", http.StatusBadRequest)
				return
			}
			ids = append(ids, doc.ID)
		}
		if sc.Err() != nil {
			return
		}
		conflicts := false
		rc.mu.Lock()
		for _, id := range ids {
			rc.attempts++
			status := http.StatusCreated
			if _, ok := rc.docs[id]; ok {
				status, conflicts = http.StatusConflict, true
			} else {
				rc.docs[id] = len(rc.docs)
			}
			items = append(items, map[string]item{"create": {ID: id, Status: status}})
		}
		rc.mu.Unlock()
		time.Sleep(rc.delay)
		json.NewEncoder(w).Encode(map[string]any{"errors": conflicts, "items": items})
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *bulkReceiver) count() (docs, attempts int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.docs), rc.attempts
}

// TestTailToFormats: the format follows the URL (Splunk HEC, _bulk) and
// each reaches a receiver that checks its wire format, with the token
// read from a file.
func TestTailToFormats(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tok, []byte("hec-0a1b2c\n"), 0o600)
	t.Run("splunk", func(t *testing.T) {
		s, start, clock := oldAndNew(t)
		var mu sync.Mutex
		got := map[string]bool{}
		hec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/services/collector/event" || r.Header.Get("Authorization") != "Splunk hec-0a1b2c" {
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"text":"Invalid token","code":4}`)
				return
			}
			dec := json.NewDecoder(r.Body)
			for dec.More() {
				var ev struct {
					Time       *float64       `json:"time"`
					SourceType string         `json:"sourcetype"`
					Event      auditlog.Event `json:"event"`
				}
				if err := dec.Decode(&ev); err != nil || ev.Time == nil || ev.Event.ID == "" {
					w.WriteHeader(http.StatusBadRequest)
					io.WriteString(w, `{"text":"Invalid data format","code":6,"invalid-event-number":0}`)
					return
				}
				mu.Lock()
				got[ev.Event.ID] = true
				mu.Unlock()
			}
			io.WriteString(w, `{"text":"Success","code":0}`)
		}))
		defer hec.Close()
		args := append([]string{"tail", "--to", hec.URL + "/services/collector/event", "--to-header", "Authorization:Splunk @" + tok,
			"--since", rfc(start.Add(-time.Hour)), "--interval", "10ms", "--lag", "2s"}, connArgs(t, s)...)
		code, errb := runUntil(t, clock, nil, args, "the events", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 40 })
		if code != 0 || strings.Contains(errb, "hec-0a1b2c") {
			t.Errorf("exit %d: %s", code, errb)
		}
	})
	for _, proto := range []bool{false, true} {
		t.Run(fmt.Sprintf("otlp proto=%v", proto), func(t *testing.T) {
			s, start, clock := oldAndNew(t)
			var mu sync.Mutex
			got := map[string]bool{}
			otlp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				req := plogotlp.NewExportRequest()
				var err error
				if proto {
					err = req.UnmarshalProto(body)
				} else {
					err = req.UnmarshalJSON(body)
				}
				if err != nil || r.URL.Path != "/v1/logs" || r.Header.Get("Dd-Api-Key") != "dd-5e6f" {
					http.Error(w, "bad request", http.StatusBadRequest)
					return
				}
				rls := req.Logs().ResourceLogs()
				mu.Lock()
				for i := range rls.Len() {
					sls := rls.At(i).ScopeLogs()
					for j := range sls.Len() {
						lrs := sls.At(j).LogRecords()
						for k := range lrs.Len() {
							if id, ok := lrs.At(k).Attributes().Get("log.record.uid"); ok {
								got[id.Str()] = true
							}
						}
					}
				}
				mu.Unlock()
				out, _ := plogotlp.NewExportResponse().MarshalProto()
				w.Header().Set("Content-Type", "application/x-protobuf")
				if !proto {
					out, _ = plogotlp.NewExportResponse().MarshalJSON()
					w.Header().Set("Content-Type", "application/json")
				}
				w.Write(out)
			}))
			defer otlp.Close()
			args := append([]string{"tail", "--to", otlp.URL + "/v1/logs", "--to-header", "DD-API-KEY:$DD_API_KEY",
				"--since", rfc(start.Add(-time.Hour)), "--interval", "10ms", "--lag", "2s"}, connArgs(t, s)...)
			if proto {
				args = append(args, "--to-format", "otlp-proto")
			}
			code, errb := runUntil(t, clock, map[string]string{"DD_API_KEY": "dd-5e6f"}, args, "the events", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 40 })
			if code != 0 {
				t.Errorf("exit %d: %s", code, errb)
			}
		})
	}
	t.Run("elasticsearch", func(t *testing.T) {
		s, start, clock := oldAndNew(t)
		rc := newBulkReceiver(t)
		args := append([]string{"tail", "--to", rc.URL + "/audit/_bulk", "--since", rfc(start.Add(-time.Hour)), "--interval", "10ms", "--lag", "2s"}, connArgs(t, s)...)
		code, errb := runUntil(t, clock, nil, args, "the events", func() bool { d, _ := rc.count(); return d >= 40 })
		if code != 0 {
			t.Errorf("exit %d: %s", code, errb)
		}
		// Sent again, the same events are conflicts: taken, not doubled.
		code, errb = runUntil(t, clock, nil, args, "the events again", func() bool { _, a := rc.count(); return a >= 80 })
		if d, a := rc.count(); code != 0 || d != 40 || a != 80 {
			t.Errorf("exit %d, %d documents after %d creates: %s", code, d, a, errb)
		}
	})
}
