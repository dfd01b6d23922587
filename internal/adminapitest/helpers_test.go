package adminapitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// answer is one HTTP answer of the server.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// gqlAnswer is a decoded GraphQL answer.
type gqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// post sends a GraphQL request with a valid token.
func post(t testing.TB, s *Server, query string, vars map[string]any) answer {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return do(t, s, "POST", "application/json", "Bearer "+s.Token(time.Minute), body)
}

func do(t testing.TB, s *Server, method, contentType, authz string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.Endpoint(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// gql sends a query and decodes the GraphQL answer, failing on a non-200.
func gql(t testing.TB, s *Server, query string, vars map[string]any) gqlAnswer {
	t.Helper()
	a := post(t, s, query, vars)
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var g gqlAnswer
	if err := json.Unmarshal(a.body, &g); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
	return g
}

// page is a decoded auditLogs connection.
type page struct {
	Edges []struct {
		Cursor string `json:"cursor"`
		Node   struct {
			ID           string               `json:"id"`
			CreatedAt    string               `json:"createdAt"`
			ActivityType string               `json:"activityType"`
			IPAddress    *string              `json:"ipAddress"`
			UserAgent    *string              `json:"userAgent"`
			ClientID     *string              `json:"clientID"`
			User         *struct{ ID string } `json:"user"`
			Data         json.RawMessage      `json:"data"`
		} `json:"node"`
	} `json:"edges"`
	PageInfo struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
	TotalCount *int `json:"totalCount"`
}

const pageQuery = `query P($first: Int, $after: String, $activityTypes: [AuditLogActivityType!],
  $userIDs: [ID!], $emailAddresses: [String!], $phoneNumbers: [String!],
  $rangeFrom: DateTime, $rangeTo: DateTime, $sortDirection: SortDirection) {
  auditLogs(first: $first, after: $after, activityTypes: $activityTypes, userIDs: $userIDs,
    emailAddresses: $emailAddresses, phoneNumbers: $phoneNumbers, rangeFrom: $rangeFrom,
    rangeTo: $rangeTo, sortDirection: $sortDirection) {
    edges { cursor node { id createdAt activityType ipAddress userAgent clientID user { id } data } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}`

// fetchPage asks for one page and fails the test on any error.
func fetchPage(t testing.TB, s *Server, vars map[string]any) page {
	t.Helper()
	g := gql(t, s, pageQuery, vars)
	if len(g.Errors) > 0 {
		t.Fatalf("errors: %+v", g.Errors)
	}
	var d struct {
		AuditLogs page `json:"auditLogs"`
	}
	if err := json.Unmarshal(g.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d.AuditLogs
}

// walkIDs follows cursors to the end and returns the raw event IDs seen.
func walkIDs(t testing.TB, s *Server, vars map[string]any) []string {
	t.Helper()
	var ids []string
	after := ""
	for range 100_000 {
		v := map[string]any{"after": after}
		for k, x := range vars {
			v[k] = x
		}
		p := fetchPage(t, s, v)
		for _, e := range p.Edges {
			_, raw, _ := parseNodeID(e.Node.ID)
			ids = append(ids, raw)
		}
		if !p.PageInfo.HasNextPage {
			return ids
		}
		after = *p.PageInfo.EndCursor
		if after == "" {
			return ids
		}
	}
	t.Fatal("walk did not end")
	return nil
}

// at builds a UTC time on 2026-11-10.
func at(h, m, s int) time.Time { return time.Date(2026, 11, 10, h, m, s, 0, time.UTC) }

// mkEvents makes n simple events, one per second from start, or all in one
// second when burst is set.
func mkEvents(prefix string, n int, start time.Time, burst bool) []Event {
	out := make([]Event, n)
	for i := range out {
		t := start.Add(time.Duration(i) * time.Second)
		if burst {
			t = start
		}
		id := prefix + itoa(i)
		out[i] = Event{
			ID: id, Seq: int64(i + 1), CreatedAt: t, ActivityType: "USER_AUTHENTICATED",
			Data: json.RawMessage(`{"id":"` + id + `"}`),
		}
	}
	return out
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
