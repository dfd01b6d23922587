package adminapitest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
)

func TestAuth(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 3, at(8, 0, 0), false)...)
	now := time.Now()
	key := TestKey()
	body := []byte(`{"query":"{ auditLogs(first: 1) { totalCount } }"}`)
	claims := func(aud string, exp time.Time) map[string]any {
		return map[string]any{"aud": aud, "iat": now.Unix(), "exp": exp.Unix()}
	}
	tests := []struct {
		name  string
		authz string
		ok    bool
	}{
		{"valid", "Bearer " + s.Token(time.Minute), true},
		{"missing header", "", false},
		{"lowercase bearer", "bearer " + s.Token(time.Minute), false},
		{"no scheme", s.Token(time.Minute), false},
		{"malformed", "Bearer abc.def", false},
		{"wrong kid", "Bearer " + SignToken(key, "other-kid", claims(s.ProjectID(), now.Add(time.Minute))), false},
		{"no kid", "Bearer " + SignToken(key, "", claims(s.ProjectID(), now.Add(time.Minute))), false},
		{"wrong aud", "Bearer " + SignToken(key, s.KeyID(), claims("otherapp", now.Add(time.Minute))), false},
		{"aud list", "Bearer " + SignToken(key, s.KeyID(), map[string]any{"aud": []string{"x", s.ProjectID()}}), true},
		{"expired beyond leeway", "Bearer " + SignToken(key, s.KeyID(), claims(s.ProjectID(), now.Add(-6*time.Minute))), false},
		{"expired within leeway", "Bearer " + SignToken(key, s.KeyID(), claims(s.ProjectID(), now.Add(-4*time.Minute))), true},
		{"iat in the future beyond leeway", "Bearer " + SignToken(key, s.KeyID(), map[string]any{"aud": s.ProjectID(), "iat": now.Add(10 * time.Minute).Unix()}), false},
		{"nbf in the future within leeway", "Bearer " + SignToken(key, s.KeyID(), map[string]any{"aud": s.ProjectID(), "nbf": now.Add(4 * time.Minute).Unix()}), true},
		{"wrong signature", "Bearer " + SignToken(OtherTestKey(), s.KeyID(), claims(s.ProjectID(), now.Add(time.Minute))), false},
		{"no exp", "Bearer " + SignToken(key, s.KeyID(), map[string]any{"aud": s.ProjectID()}), true},
		{"no aud", "Bearer " + SignToken(key, s.KeyID(), map[string]any{"exp": now.Add(time.Minute).Unix()}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := do(t, s, "POST", "application/json", tt.authz, body)
			if tt.ok {
				if a.status != http.StatusOK {
					t.Fatalf("status %d (%s), want 200; server says %s", a.status, a.body, s.LastAuthFailure())
				}
				return
			}
			if a.status != http.StatusForbidden || string(a.body) != "Forbidden" || a.header.Get("Content-Type") != "text/plain" {
				t.Fatalf("got %d %q %q, want 403 text/plain Forbidden", a.status, a.header.Get("Content-Type"), a.body)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	s := New(t)
	other := OtherTestKey()
	tok := SignToken(other, "rotated", map[string]any{"aud": s.ProjectID(), "exp": time.Now().Add(time.Minute).Unix()})
	body := []byte(`{"query":"{ auditLogs(first: 1) { totalCount } }"}`)
	if a := do(t, s, "POST", "application/json", "Bearer "+tok, body); a.status != http.StatusForbidden {
		t.Fatalf("unknown key accepted: %d", a.status)
	}
	s.AddKey("rotated", &other.PublicKey)
	if a := do(t, s, "POST", "application/json", "Bearer "+tok, body); a.status != http.StatusOK {
		t.Fatalf("added key refused: %d %s", a.status, a.body)
	}
	if a := do(t, s, "POST", "application/json", "Bearer "+s.Token(time.Minute), body); a.status != http.StatusOK {
		t.Fatalf("first key refused after rotation: %d", a.status)
	}
}

func TestTransport(t *testing.T) {
	s := New(t)
	tok := "Bearer " + s.Token(time.Minute)
	q := []byte(`{"query":"{ auditLogs { totalCount } }"}`)

	if a := do(t, s, "POST", "text/plain", tok, q); a.status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: status %d, want 415", a.status)
	}
	if a := do(t, s, "POST", "", tok, q); a.status != http.StatusUnsupportedMediaType {
		t.Errorf("no content type: status %d, want 415", a.status)
	}
	a := do(t, s, "POST", "application/graphql", tok, []byte(`{ auditLogs { totalCount } }`))
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"totalCount":0`) {
		t.Errorf("application/graphql: %d %s", a.status, a.body)
	}
	a = do(t, s, "POST", "application/json; charset=utf-8", tok, q)
	if a.status != http.StatusOK || a.header.Get("Cache-Control") != "no-store" || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("json: %d %v", a.status, a.header)
	}
	a = do(t, s, "GET", "", "", nil)
	if a.status != http.StatusOK || !strings.Contains(string(a.body), "GraphiQL") {
		t.Errorf("GET: %d %s", a.status, a.body)
	}
	req, _ := http.NewRequest("POST", s.URL()+"/other", strings.NewReader(string(q)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("other path: %d, want 404", resp.StatusCode)
	}
	req, _ = http.NewRequest("POST", s.URL()+"/graphql", strings.NewReader(string(q)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/graphql: %d, want 200", resp.StatusCode)
	}
}

func TestParseErrorsAre500(t *testing.T) {
	s := New(t)
	tok := "Bearer " + s.Token(time.Minute)
	for name, body := range map[string]string{
		"syntax":   `{"query":"{ auditLogs(first: ) {"}`,
		"not json": `{"query": `,
	} {
		a := do(t, s, "POST", "application/json", tok, []byte(body))
		if a.status != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", name, a.status)
		}
		var env struct {
			Error struct{ Name, Reason, Message string } `json:"error"`
		}
		if err := json.Unmarshal(a.body, &env); err != nil || env.Error.Name == "" || env.Error.Reason == "" || env.Error.Message == "" {
			t.Errorf("%s: envelope %s (%v)", name, a.body, err)
		}
	}
	// A query that parses but is invalid is a GraphQL error, not a 500.
	g := gql(t, s, `{ auditLogs { nosuchfield } }`, nil)
	if len(g.Errors) == 0 {
		t.Error("unknown field accepted")
	}
	g = gql(t, s, `{ auditLogs(activityTypes: [NOT_A_TYPE]) { totalCount } }`, nil)
	if len(g.Errors) == 0 {
		t.Error("unknown enum value accepted")
	}
}

func TestFirstCapAndDefaults(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 250, at(8, 0, 0), false)...)
	for _, tt := range []struct {
		vars map[string]any
		want int
	}{
		{map[string]any{}, 100},
		{map[string]any{"first": 500}, 100},
		{map[string]any{"first": 7}, 7},
		{map[string]any{"first": 100}, 100},
	} {
		p := fetchPage(t, s, tt.vars)
		if len(p.Edges) != tt.want || !p.PageInfo.HasNextPage {
			t.Errorf("%v: %d edges (hasNext %v), want %d", tt.vars, len(p.Edges), p.PageInfo.HasNextPage, tt.want)
		}
		if p.TotalCount == nil || *p.TotalCount != 250 {
			t.Errorf("totalCount %v, want 250", p.TotalCount)
		}
	}
	g := gql(t, s, pageQuery, map[string]any{"first": -1})
	if len(g.Errors) == 0 {
		t.Error("negative first accepted")
	}
	g = gql(t, s, `{ auditLogs(last: 10) { totalCount } }`, nil)
	if len(g.Errors) == 0 || !strings.Contains(g.Errors[0].Message, "unsupported pagination") {
		t.Errorf("last without before: %+v", g.Errors)
	}
	if string(g.Data) != `{"auditLogs":null}` {
		t.Errorf("data %s, want auditLogs null", g.Data)
	}
}

func TestCursors(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 30, at(8, 0, 0), false)...)
	p := fetchPage(t, s, map[string]any{"first": 10, "sortDirection": "ASC"})
	for i, e := range p.Edges {
		want := base64.RawURLEncoding.EncodeToString([]byte("offset:" + itoa(i)))
		if e.Cursor != want {
			t.Fatalf("cursor %d = %q, want %q", i, e.Cursor, want)
		}
	}
	if p.PageInfo.HasPreviousPage || *p.PageInfo.StartCursor != p.Edges[0].Cursor || *p.PageInfo.EndCursor != p.Edges[9].Cursor {
		t.Errorf("pageInfo %+v", p.PageInfo)
	}
	next := fetchPage(t, s, map[string]any{"first": 10, "sortDirection": "ASC", "after": p.Edges[4].Cursor})
	if next.Edges[0].Node.ID != AuditLogNodeID("e5") || next.Edges[0].Cursor != encodeCursor(5) || !next.PageInfo.HasPreviousPage {
		t.Errorf("after offset 4 starts with %s %s", next.Edges[0].Node.ID, next.Edges[0].Cursor)
	}
	again := fetchPage(t, s, map[string]any{"first": 10, "sortDirection": "ASC", "after": ""})
	if again.Edges[0].Node.ID != AuditLogNodeID("e0") {
		t.Errorf(`after "" starts with %s`, again.Edges[0].Node.ID)
	}
	for _, bad := range []string{"!!", base64.RawURLEncoding.EncodeToString([]byte("offset:x")), base64.RawURLEncoding.EncodeToString([]byte("page:3"))} {
		g := gql(t, s, pageQuery, map[string]any{"after": bad})
		if len(g.Errors) == 0 {
			t.Errorf("cursor %q accepted", bad)
		}
	}
	// Default order is newest first.
	desc := fetchPage(t, s, map[string]any{"first": 1})
	if desc.Edges[0].Node.ID != AuditLogNodeID("e29") {
		t.Errorf("default order starts with %s", desc.Edges[0].Node.ID)
	}
	// last + before pages backwards over offsets.
	g := gql(t, s, `query($b: String) { auditLogs(last: 3, before: $b, sortDirection: ASC) { edges { cursor } } }`, map[string]any{"b": encodeCursor(10)})
	if len(g.Errors) > 0 || !strings.Contains(string(g.Data), encodeCursor(7)) || !strings.Contains(string(g.Data), encodeCursor(9)) || strings.Contains(string(g.Data), encodeCursor(10)) {
		t.Errorf("last/before: %s %+v", g.Data, g.Errors)
	}
}

func TestExtraEmptyPage(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 200, at(8, 0, 0), false)...)
	p := fetchPage(t, s, map[string]any{"after": encodeCursor(99)})
	if len(p.Edges) != 100 || !p.PageInfo.HasNextPage {
		t.Fatalf("second page: %d edges, hasNext %v", len(p.Edges), p.PageInfo.HasNextPage)
	}
	p = fetchPage(t, s, map[string]any{"after": *p.PageInfo.EndCursor})
	if len(p.Edges) != 0 || p.PageInfo.HasNextPage || *p.PageInfo.EndCursor != "" || *p.PageInfo.StartCursor != "" || !p.PageInfo.HasPreviousPage {
		t.Fatalf("extra page: %d edges, pageInfo %+v", len(p.Edges), p.PageInfo)
	}
	if ids := walkIDs(t, s, nil); len(ids) != 200 {
		t.Fatalf("walk saw %d", len(ids))
	}
}

func TestTiesShuffledPerRequest(t *testing.T) {
	s := New(t, WithTies(TiesReshuffled))
	s.Add(mkEvents("b", 250, at(8, 0, 0), true)...)
	s.Add(mkEvents("x", 5, at(8, 0, 1), false)...)
	first := func() []string {
		p := fetchPage(t, s, map[string]any{"sortDirection": "ASC"})
		var ids []string
		for _, e := range p.Edges {
			ids = append(ids, e.Node.ID)
		}
		return ids
	}
	a, b := first(), first()
	if slices.Equal(a, b) {
		t.Fatal("two requests returned the tied events in the same order")
	}
	// The same order of a whole page of a 250-event tie twice in a row
	// happens with probability far below 1e-100; a page differing in set
	// (a tie straddling the page boundary) is what clients must survive.
	sa, sb := slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	if slices.Equal(sa, sb) {
		t.Log("same set on the first page twice (possible, not likely)")
	}
	// Events of other seconds keep their places: the last second follows.
	p := fetchPage(t, s, map[string]any{"sortDirection": "ASC", "after": encodeCursor(249)})
	if len(p.Edges) != 5 || p.Edges[0].Node.ID != AuditLogNodeID("x0") {
		t.Fatalf("after the burst: %d edges, first %v", len(p.Edges), p.Edges)
	}

	stable := New(t, WithTies(TiesStable))
	stable.Add(mkEvents("b", 250, at(8, 0, 0), true)...)
	p1 := fetchPage(t, stable, map[string]any{"sortDirection": "ASC"})
	p2 := fetchPage(t, stable, map[string]any{"sortDirection": "ASC"})
	for i := range p1.Edges {
		if p1.Edges[i].Node.ID != p2.Edges[i].Node.ID || p1.Edges[i].Node.ID != AuditLogNodeID("b"+itoa(i)) {
			t.Fatalf("stable ties differ at %d", i)
		}
	}
}

func TestRanges(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 10, at(8, 0, 0), false)...) // 08:00:00 .. 08:00:09
	count := func(from, to string) int {
		t.Helper()
		vars := map[string]any{}
		if from != "" {
			vars["rangeFrom"] = from
		}
		if to != "" {
			vars["rangeTo"] = to
		}
		p := fetchPage(t, s, vars)
		return *p.TotalCount
	}
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-11-10T08:00:02Z", "2026-11-10T08:00:05Z", 3}, // 02, 03, 04
		{"2026-11-10T08:00:09Z", "", 1},
		{"", "2026-11-10T08:00:00Z", 0},
		{"2026-11-10T08:00:02.5Z", "", 7}, // 03..09
		// The zone is dropped: 08:00:05+08:00 selects like 08:00:05Z.
		{"2026-11-10T08:00:05+08:00", "", 5},
		{"2026-11-10T16:00:05+08:00", "", 0}, // a correct server would find 5
	}
	for _, tt := range tests {
		if got := count(tt.from, tt.to); got != tt.want {
			t.Errorf("[%s, %s): %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
	for _, bad := range []string{"2026-11-10", "2026-11-10T08:00:00", "yesterday"} {
		g := gql(t, s, pageQuery, map[string]any{"rangeFrom": bad})
		if len(g.Errors) == 0 {
			t.Errorf("rangeFrom %q accepted", bad)
		}
	}
	g := gql(t, s, `{ auditLogs(rangeFrom: "2026-11-10") { totalCount } }`, nil)
	if len(g.Errors) == 0 {
		t.Error("bare date literal accepted")
	}
	p := fetchPage(t, s, map[string]any{"first": 1})
	if p.Edges[0].Node.CreatedAt != "2026-11-10T08:00:09Z" {
		t.Errorf("createdAt %q", p.Edges[0].Node.CreatedAt)
	}
}

func userEvents() ([]Event, []User) {
	users := []User{{ID: "u1", Email: "a@example.com"}, {ID: "u2", Phone: "+85291234567"}}
	mk := func(id string, sec int, typ, user, recipient string) Event {
		return Event{ID: id, Seq: int64(sec), CreatedAt: at(9, 0, sec), ActivityType: typ, UserID: user, Recipient: recipient,
			Data: json.RawMessage(`{"id":"` + id + `"}`)}
	}
	return []Event{
		mk("a", 0, "USER_AUTHENTICATED", "u1", ""),
		mk("b", 1, "EMAIL_SENT", "u1", "a@example.com"),
		mk("c", 2, "SMS_SENT", "u2", "+85291234567"),
		mk("d", 3, "EMAIL_SENT", "", "other@example.com"),
		mk("e", 4, "USER_AUTHENTICATED", "u3", ""), // deleted user
		mk("f", 5, "PROJECT_APP_UPDATED", "", ""),
	}, users
}

func TestFilters(t *testing.T) {
	events, users := userEvents()
	s := New(t, WithEvents(events, users))
	tests := []struct {
		name string
		vars map[string]any
		want string
	}{
		{"all", map[string]any{}, "abcdef"},
		{"empty types = all", map[string]any{"activityTypes": []string{}}, "abcdef"},
		{"types", map[string]any{"activityTypes": []string{"EMAIL_SENT", "SMS_SENT"}}, "bcd"},
		{"user", map[string]any{"userIDs": []string{UserNodeID("u1")}}, "ab"},
		{"deleted user still filters", map[string]any{"userIDs": []string{UserNodeID("u3")}}, "e"},
		{"email recipient", map[string]any{"emailAddresses": []string{"other@example.com"}}, "d"},
		{"phone recipient", map[string]any{"phoneNumbers": []string{"+85291234567"}}, "c"},
		{"users OR recipients", map[string]any{"userIDs": []string{UserNodeID("u1")}, "emailAddresses": []string{"other@example.com"}}, "abd"},
		{"types AND (users OR recipients)", map[string]any{"activityTypes": []string{"EMAIL_SENT"}, "userIDs": []string{UserNodeID("u1")}, "emailAddresses": []string{"other@example.com"}}, "bd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.vars["sortDirection"] = "ASC"
			p := fetchPage(t, s, tt.vars)
			got := ""
			for _, e := range p.Edges {
				_, raw, _ := parseNodeID(e.Node.ID)
				got += raw
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if *p.TotalCount != len(tt.want) {
				t.Errorf("totalCount %d, want %d", *p.TotalCount, len(tt.want))
			}
		})
	}
	for _, bad := range [][]string{{"u1"}, {base64.RawURLEncoding.EncodeToString([]byte("AuditLog:a"))}, {UserNodeID("u1"), "%%%"}} {
		g := gql(t, s, pageQuery, map[string]any{"userIDs": bad})
		if len(g.Errors) == 0 || g.Errors[0].Message != "invalid user IDs" || string(g.Data) != `{"auditLogs":null}` {
			t.Errorf("userIDs %v: %s %+v", bad, g.Data, g.Errors)
		}
	}
}

func TestFieldsAndNodes(t *testing.T) {
	events, users := userEvents()
	events[0].IPAddress, events[0].UserAgent, events[0].ClientID = "203.0.113.7", "ua\x00fake:0\"", "client"
	events[0].Data = json.RawMessage(`{"context":{"user_id":"u1"},"id":"a","n":1.5e300,"x":"<&>"}`)
	s := New(t, WithEvents(events, users))
	p := fetchPage(t, s, map[string]any{"sortDirection": "ASC"})
	byID := map[string]int{}
	for i, e := range p.Edges {
		byID[e.Node.ID] = i
	}
	a := p.Edges[byID[AuditLogNodeID("a")]].Node
	if *a.IPAddress != "203.0.113.7" || *a.UserAgent != "ua\x00fake:0\"" || *a.ClientID != "client" || a.ActivityType != "USER_AUTHENTICATED" {
		t.Errorf("fields %+v", a)
	}
	var d1, d2 any
	_ = json.Unmarshal(a.Data, &d1)
	_ = json.Unmarshal(events[0].Data, &d2)
	if string(a.Data) != string(events[0].Data) {
		t.Errorf("data not verbatim: %s", a.Data)
	}
	if b1, b2 := mustJSON(d1), mustJSON(d2); b1 != b2 {
		t.Errorf("data %s, want %s", a.Data, events[0].Data)
	}
	if a.User == nil || a.User.ID != UserNodeID("u1") {
		t.Errorf("user %+v", a.User)
	}
	b := p.Edges[byID[AuditLogNodeID("d")]].Node
	if b.IPAddress == nil || *b.IPAddress != "" || *b.UserAgent != "" || *b.ClientID != "" || b.User != nil {
		t.Errorf("absent fields: %+v", b)
	}
	if e := p.Edges[byID[AuditLogNodeID("e")]].Node; e.User != nil {
		t.Errorf("deleted user resolves: %+v", e.User)
	}

	const nodeQuery = `query($id: ID!) { node(id: $id) { __typename id ... on AuditLog { activityType data } ... on User { standardAttributes } } }`
	g := gql(t, s, nodeQuery, map[string]any{"id": AuditLogNodeID("c")})
	if !strings.Contains(string(g.Data), `"__typename":"AuditLog"`) || !strings.Contains(string(g.Data), `"SMS_SENT"`) {
		t.Errorf("node AuditLog: %s %+v", g.Data, g.Errors)
	}
	g = gql(t, s, nodeQuery, map[string]any{"id": UserNodeID("u1")})
	if !strings.Contains(string(g.Data), `"__typename":"User"`) || !strings.Contains(string(g.Data), `a@example.com`) {
		t.Errorf("node User: %s %+v", g.Data, g.Errors)
	}
	for _, id := range []string{AuditLogNodeID("nope"), UserNodeID("u3"), "garbage!", base64.RawURLEncoding.EncodeToString([]byte("Role:x"))} {
		g = gql(t, s, nodeQuery, map[string]any{"id": id})
		if string(g.Data) != `{"node":null}` {
			t.Errorf("node %q: %s", id, g.Data)
		}
	}

	g = gql(t, s, `query($n: String!, $v: String!) { getUsersByStandardAttribute(attributeName: $n, attributeValue: $v) { id } }`,
		map[string]any{"n": "email", "v": "a@example.com"})
	if string(g.Data) != `{"getUsersByStandardAttribute":[{"id":"`+UserNodeID("u1")+`"}]}` {
		t.Errorf("by email: %s %+v", g.Data, g.Errors)
	}
	g = gql(t, s, `{ getUsersByStandardAttribute(attributeName: "phone_number", attributeValue: "+85291234567") { id } }`, nil)
	if !strings.Contains(string(g.Data), UserNodeID("u2")) {
		t.Errorf("by phone: %s", g.Data)
	}
	g = gql(t, s, `{ getUsersByStandardAttribute(attributeName: "email", attributeValue: "nobody@example.com") { id } }`, nil)
	if string(g.Data) != `{"getUsersByStandardAttribute":[]}` {
		t.Errorf("no match: %s", g.Data)
	}
	g = gql(t, s, `{ getUsersByStandardAttribute(attributeName: "name", attributeValue: "x") { id } }`, nil)
	if len(g.Errors) == 0 {
		t.Error("bad attribute name accepted")
	}
	g = gql(t, s, `{ getUserByLoginID(loginIDKey: "email", loginIDValue: "a@example.com") { id } }`, nil)
	if !strings.Contains(string(g.Data), UserNodeID("u1")) {
		t.Errorf("by login ID: %s", g.Data)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRetrievalDays(t *testing.T) {
	now := at(12, 0, 0)
	s := New(t, WithRetrievalDays(1), WithNow(func() time.Time { return now }))
	s.Add(Event{ID: "old", Seq: 1, CreatedAt: now.Add(-25 * time.Hour), ActivityType: "USER_CREATED", Data: json.RawMessage(`{}`)},
		Event{ID: "new", Seq: 2, CreatedAt: now.Add(-23 * time.Hour), ActivityType: "USER_CREATED", Data: json.RawMessage(`{}`)})
	for _, vars := range []map[string]any{{}, {"rangeFrom": "2026-11-01T00:00:00Z"}} {
		p := fetchPage(t, s, vars)
		if *p.TotalCount != 1 || p.Edges[0].Node.ID != AuditLogNodeID("new") {
			t.Errorf("%v: %d events", vars, *p.TotalCount)
		}
	}
	if got := s.Select(adminapi.Selection{}); len(got) != 1 {
		t.Errorf("Select ignores retention: %d", len(got))
	}
}

func TestTotalCountOnlyWhenSelected(t *testing.T) {
	s := New(t)
	s.Add(mkEvents("e", 5, at(8, 0, 0), false)...)
	gql(t, s, `query AuditLogPage { auditLogs { edges { cursor } } }`, nil)
	if n := s.Stats().CountQueries; n != 0 {
		t.Errorf("count queries %d without totalCount", n)
	}
	gql(t, s, `query AuditLogCount { auditLogs(first: 1) { totalCount } }`, nil)
	st := s.Stats()
	if st.CountQueries != 1 || st.Requests != 2 {
		t.Errorf("stats %+v", st)
	}
}
