package adminapitest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	graphql "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"

	authgearaudit "github.com/authgear-audit/authgear-audit"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// EndpointPath is where the Admin API answers; /graphql answers too.
const EndpointPath = "/_api/admin/graphql"

// Default identity of the stand-in project.
const (
	DefaultProjectID = "myapp"
	DefaultKeyID     = "test-key-1"
)

// Server is the stand-in Admin API. Its methods are safe for concurrent use,
// also while requests are being served.
type Server struct {
	// Fixed at construction.
	project    string
	signKID    string
	signKey    *rsa.PrivateKey
	now        func() time.Time
	schema     *graphql.Schema
	knownTypes map[string]bool // the enum's values
	// splicePrefix starts the placeholders of event data (see splicer);
	// typeSentinel is the activityType of a page template.
	splicePrefix []byte
	typeSentinel string
	// noTemplates makes every edge go through the engine (tests compare).
	noTemplates bool

	// Knobs, changeable while serving.
	latency       atomic.Int64 // time.Duration
	offsetCost    atomic.Int64 // time.Duration per row
	retrievalDays atomic.Int64
	ties          atomic.Int32 // Ties

	// seed drives every random choice; rng draws each request's own.
	seed  uint64
	rngMu sync.Mutex
	rng   *mrand.Rand

	mu      sync.RWMutex
	keys    map[string]*rsa.PublicKey
	keyGen  uint64           // changes with keys
	events  []Event          // ordered by (createdAt, seq)
	byID    map[string]int32 // event ID -> index in events
	users   map[string]User
	foreign int // stored events whose type is not in the enum
	hidden  map[string]bool

	authMu   sync.Mutex
	verified map[string]verifiedToken // by Authorization header value

	hookMu    sync.Mutex
	hook      func(n int64)
	faults    []Fault
	requests  atomic.Int64
	counts    atomic.Int64
	byOp      map[string]int64
	lastAuthz string // why the last refused request was refused

	// answers holds buffers of answers (*[]byte), reused rather than
	// allocated and zeroed for every page.
	answers sync.Pool

	httpSrv  *httptest.Server
	endpoint string
}

// Option configures a Server.
type Option func(*Server)

// WithLatency makes every GraphQL request take at least d longer.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.SetLatency(d) } }

// WithOffsetCost makes an auditLogs page sleep perRow times its offset,
// like a database that scans every row before the offset.
func WithOffsetCost(perRow time.Duration) Option { return func(s *Server) { s.SetOffsetCost(perRow) } }

// WithRetrievalDays limits retrieval like audit_log.retrieval_days: every
// auditLogs query has rangeFrom raised to now minus n days.
func WithRetrievalDays(n int) Option { return func(s *Server) { s.SetRetrievalDays(n) } }

// WithNow sets the clock used for the retrieval limit. Tokens are always
// checked against the real clock (a skewed client is modelled by the
// client's clock instead).
func WithNow(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// SetLatency changes the added latency per request.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// SetOffsetCost changes the added latency per row of offset.
func (s *Server) SetOffsetCost(perRow time.Duration) { s.offsetCost.Store(int64(perRow)) }

// SetRetrievalDays changes the retrieval limit (0: none).
func (s *Server) SetRetrievalDays(n int) { s.retrievalDays.Store(int64(n)) }

// WithProject sets the project ID (the JWT audience).
func WithProject(id string) Option { return func(s *Server) { s.project = id } }

// WithEvents stores events and users at construction.
func WithEvents(events []Event, users []User) Option {
	return func(s *Server) {
		s.AddUsers(users...)
		s.Add(events...)
	}
}

// Fault is one misbehaviour, consumed by one request (see Inject).
//
//   - Delay waits before answering (then the rest of the fault, or a normal answer).
//   - Status answers with that HTTP status; RetryAfter sets the Retry-After
//     header (seconds or an HTTP date); Body and ContentType set the body
//     (default: the status text as text/plain).
//   - Body without Status answers 200 with that body (garbage, an HTML page).
//   - GraphQLError answers 200 with {"errors":[{"message":...}],"data":null}.
//   - DropMidBody computes the real answer, sends its headers and half its
//     body, then closes the connection.
type Fault struct {
	Status       int
	RetryAfter   string
	Body         string
	ContentType  string
	DropMidBody  bool
	GraphQLError string
	Delay        time.Duration
}

// Stats counts what the server was asked.
type Stats struct {
	Requests     int64            // every request to the endpoint
	CountQueries int64            // totalCount resolutions
	ByOperation  map[string]int64 // GraphQL requests by operationName ("" when anonymous)
}

func newServer(opts []Option) *Server {
	s := &Server{
		project:    DefaultProjectID,
		signKID:    DefaultKeyID,
		signKey:    TestKey(),
		now:        time.Now,
		byOp:       map[string]int64{},
		verified:   map[string]verifiedToken{},
		answers:    sync.Pool{New: func() any { return new([]byte) }},
		knownTypes: map[string]bool{},
	}
	for _, a := range auditlog.Catalog() {
		s.knownTypes[a.Enum] = true
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	s.splicePrefix = []byte(`"` + hex.EncodeToString(nonce[:]) + `:`)
	s.typeSentinel = auditlog.Catalog()[0].Enum
	for _, o := range opts {
		o(s)
	}
	s.mu.Lock()
	if s.keys == nil {
		s.keys = map[string]*rsa.PublicKey{}
	}
	s.keys[s.signKID] = &s.signKey.PublicKey
	s.mu.Unlock()
	s.schema = graphql.MustParseSchema(authgearaudit.Schema, &queryResolver{s: s},
		graphql.UseStringDescriptions(), graphql.MaxParallelism(1), graphql.MaxPooledBufferCap(1<<20))
	return s
}

// New starts a stand-in server for a test or benchmark; it is closed when
// the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := newServer(append([]Option{WithSeed(testSeed(t))}, opts...))
	s.logSeedOnFailure(t)
	s.httpSrv = httptest.NewServer(s.Handler())
	s.endpoint = s.httpSrv.URL + EndpointPath
	t.Cleanup(s.Close)
	return s
}

// NewUnstarted returns a server that does not listen yet: serve its
// Handler yourself, or call Start. Its seed is random unless WithSeed says.
func NewUnstarted(opts ...Option) *Server {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return newServer(append([]Option{WithSeed(binary.LittleEndian.Uint64(b[:]))}, opts...))
}

// Start serves on ln until Close.
func (s *Server) Start(ln net.Listener) {
	s.httpSrv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	s.httpSrv.Start()
	s.endpoint = s.httpSrv.URL + EndpointPath
}

// Close stops the server. It is safe to call more than once.
func (s *Server) Close() {
	if s.httpSrv != nil {
		s.httpSrv.Close()
	}
}

// URL returns the server's base URL.
func (s *Server) URL() string { return strings.TrimSuffix(s.endpoint, EndpointPath) }

// Endpoint returns the GraphQL endpoint URL, .../_api/admin/graphql.
func (s *Server) Endpoint() string { return s.endpoint }

// ProjectID returns the project ID (the JWT audience).
func (s *Server) ProjectID() string { return s.project }

// KeyID returns the ID of the server's signing key.
func (s *Server) KeyID() string { return s.signKID }

// AddKey registers another public key under kid, as a project that rotates
// its Admin API keys holds several.
func (s *Server) AddKey(kid string, pub *rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[kid] = pub
	s.keyGen++
}

// RemoveKey unregisters a key ID.
func (s *Server) RemoveKey(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, kid)
	s.keyGen++
}

// Inject queues faults; each request to the endpoint consumes the first
// one left, in order.
func (s *Server) Inject(faults ...Fault) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.faults = append(s.faults, faults...)
}

// PendingFaults returns how many injected faults are still queued.
func (s *Server) PendingFaults() int {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	return len(s.faults)
}

// OnRequest sets a function called with the request's number (1, 2, ...)
// before each request to the endpoint is answered; tests use it to add
// events while a client walks. nil removes it.
func (s *Server) OnRequest(f func(n int64)) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	s.hook = f
}

// Requests returns how many requests reached the endpoint.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	ops := make(map[string]int64, len(s.byOp))
	for k, v := range s.byOp {
		ops[k] = v
	}
	return Stats{Requests: s.requests.Load(), CountQueries: s.counts.Load(), ByOperation: ops}
}

// LastAuthFailure says why the most recent refused request was refused (the
// client only sees "Forbidden"); "" if none was.
func (s *Server) LastAuthFailure() string {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	return s.lastAuthz
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

const graphiQLPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>GraphiQL</title></head>
<body><div id="graphiql">Authgear Admin API (stand-in). POST GraphQL queries to this URL.</div></body></html>
`

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != EndpointPath && r.URL.Path != "/graphql" {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, graphiQLPage)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	n := s.requests.Add(1)
	s.hookMu.Lock()
	hook := s.hook
	var fault *Fault
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		fault = &f
	}
	s.hookMu.Unlock()
	if hook != nil {
		hook(n)
	}
	if d := time.Duration(s.latency.Load()); d > 0 && !sleep(r.Context(), d) {
		return
	}
	if fault != nil {
		if fault.Delay > 0 && !sleep(r.Context(), fault.Delay) {
			return
		}
		if s.serveFault(w, fault) {
			return
		}
	}

	if fault != nil && fault.DropMidBody {
		rec := &recorder{header: http.Header{}}
		s.serveGraphQL(rec, r)
		dropMidBody(w, rec)
		return
	}
	s.serveGraphQL(w, r)
}

// serveFault answers with the fault and reports whether it did.
func (s *Server) serveFault(w http.ResponseWriter, f *Fault) bool {
	switch {
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		body, ct := f.Body, f.ContentType
		if body == "" {
			body = http.StatusText(f.Status) + "\n"
		}
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, body)
		return true
	case f.Body != "":
		ct := f.ContentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, f.Body)
		return true
	case f.GraphQLError != "":
		b, _ := json.Marshal(struct {
			Errors []map[string]string `json:"errors"`
			Data   *struct{}           `json:"data"`
		}{Errors: []map[string]string{{"message": f.GraphQLError}}})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(b)
		return true
	}
	return false
}

func dropMidBody(w http.ResponseWriter, rec *recorder) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("adminapitest: DropMidBody needs a hijackable connection")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	body := rec.body.Bytes()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.status, http.StatusText(rec.status))
	rec.header.Set("Content-Length", strconv.Itoa(len(body)))
	_ = rec.header.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// recorder holds an answer so a fault can cut it short.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

type gqlRequest struct {
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables"`
	OperationName string         `json:"operationName"`
}

func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	if err := s.checkAuthorization(r.Header.Get("Authorization"), time.Now()); err != nil {
		s.hookMu.Lock()
		s.lastAuthz = err.Error()
		s.hookMu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "Forbidden")
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		writeInternalError(w, "read request body")
		return
	}
	var req gqlRequest
	switch mt {
	case "application/json":
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&req); err != nil {
			writeInternalError(w, "request body is not JSON")
			return
		}
	case "application/graphql":
		req.Query = string(body)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		_, _ = io.WriteString(w, "Unsupported Media Type\n")
		return
	}
	req.Variables = normalizeNumbers(req.Variables)

	s.hookMu.Lock()
	s.byOp[req.OperationName]++
	s.hookMu.Unlock()

	sp := s.newSplicer()
	ctx := context.WithValue(r.Context(), splicerKey{}, sp)
	resp := s.schema.Exec(ctx, req.Query, req.OperationName, req.Variables)
	if len(resp.Errors) > 0 && resp.Data == nil && isSyntaxError(resp.Errors[0]) {
		writeInternalError(w, resp.Errors[0].Message)
		return
	}
	bufp := s.answers.Get().(*[]byte)
	b := append((*bufp)[:0], '{')
	if len(resp.Errors) > 0 {
		e, _ := json.Marshal(resp.Errors)
		b = append(b, `"errors":`...)
		b = append(b, e...)
		b = append(b, ',')
	}
	b = append(b, `"data":`...)
	if resp.Data == nil {
		b = append(b, "null"...)
	} else {
		b = sp.expand(b, resp.Data)
	}
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
	if cap(b) <= maxPooledAnswer {
		*bufp = b
		s.answers.Put(bufp)
	}
}

// maxPooledAnswer is the largest answer buffer kept for the next request.
const maxPooledAnswer = 4 << 20

func isSyntaxError(e *gqlerrors.QueryError) bool {
	return errors.Is(e.Err, gqlerrors.ErrSyntax)
}

// writeInternalError answers 500 with Authgear's error envelope, as the
// real server does for a body or query it cannot parse.
func writeInternalError(w http.ResponseWriter, detail string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"name":    "InternalError",
		"reason":  "UnexpectedError",
		"message": "unexpected error: " + detail,
		"code":    http.StatusInternalServerError,
	}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write(b)
}

// normalizeNumbers turns json.Number values into int32 or float64, the
// types graphql-go expects for Int and Float variables.
func normalizeNumbers(v map[string]any) map[string]any {
	for k, x := range v {
		v[k] = normalizeValue(x)
	}
	return v
}

func normalizeValue(x any) any {
	switch t := x.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 32); err == nil {
			return int32(i)
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		return normalizeNumbers(t)
	case []any:
		for i := range t {
			t[i] = normalizeValue(t[i])
		}
	}
	return x
}
