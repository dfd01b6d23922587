package adminapitest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestPageTemplatesAnswerLikeTheEngine compares, byte for byte, the
// answers of a server that renders pages from a template edge with those
// of one that runs every edge through the engine, for queries that shape
// the edges in every way GraphQL allows.
func TestPageTemplatesAnswerLikeTheEngine(t *testing.T) {
	events, users := Generate(GenOptions{Seed: 3, Count: 600, Bursts: 2, BurstSize: 150, Users: 50, Nasty: true,
		Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)})
	events[0].Data = nil
	events[1].IPAddress, events[1].UserAgent, events[1].ClientID = "", "<b>&amp;\u2028\xff\x00\"\\", "é"
	fast := New(t, WithEvents(events, users), WithTies(TiesStable))
	slow := New(t, WithEvents(events, users), WithTies(TiesStable))
	slow.noTemplates = true
	for _, i := range []int{2, 3, len(events) - 1, len(events) - 3} { // users that are gone: null
		fast.DeleteUser(events[i].UserID)
		slow.DeleteUser(events[i].UserID)
	}

	const args = `(first: $first, after: $after, sortDirection: $dir)`
	const vars = `($first: Int, $after: String, $dir: SortDirection)`
	queries := map[string]string{
		"client page":                    pageQuery,
		"aliases and repeats":            `query Q` + vars + ` { auditLogs` + args + ` { edges { c: cursor node { a: activityType id i2: id data createdAt } cursor } } }`,
		"typenames":                      `query Q` + vars + ` { auditLogs` + args + ` { __typename edges { __typename node { __typename activityType ipAddress } } } }`,
		"only the type":                  `query Q` + vars + ` { auditLogs` + args + ` { edges { node { activityType } } pageInfo { endCursor } } }`,
		"type alias named like the enum": `query Q` + vars + ` { auditLogs` + args + ` { edges { node { USER_CREATED: activityType USER_AUTHENTICATED: clientID } } } }`,
		"fragments": `query Q` + vars + ` { auditLogs` + args + ` { edges { ...E node { ... on Node { id } ...N } } } }
			fragment E on AuditLogEdge { cursor node { userAgent } }
			fragment N on AuditLog { createdAt clientID }`,
		"directives":                 `query Q($first: Int, $after: String, $dir: SortDirection, $yes: Boolean = true) { auditLogs` + args + ` { edges { cursor @include(if: $yes) node { id @skip(if: $yes) data @include(if: $yes) } } } }`,
		"two edge lists":             `query Q` + vars + ` { auditLogs` + args + ` { a: edges { cursor } b: edges { node { id userAgent } } } }`,
		"two connections":            `query Q` + vars + ` { x: auditLogs` + args + ` { edges { cursor } } y: auditLogs(first: 3) { edges { node { data } } totalCount } }`,
		"with user":                  `query Q` + vars + ` { auditLogs` + args + ` { edges { cursor node { id user { id standardAttributes } } } } }`,
		"only users":                 `query Q` + vars + ` { auditLogs` + args + ` { edges { node { u: user { __typename a: standardAttributes } user { id } } } } }`,
		"user typename only":         `query Q` + vars + ` { auditLogs` + args + ` { edges { cursor node { user { __typename } activityType } } } }`,
		"edges without event fields": `query Q` + vars + ` { auditLogs` + args + ` { edges { __typename node { __typename } } } }`,
		"node query":                 `query Q { node(id: "` + AuditLogNodeID(events[5].ID) + `") { id ... on AuditLog { data createdAt } } }`,
	}
	varSets := []map[string]any{
		{},
		{"dir": "ASC", "first": 7},
		{"dir": "ASC", "after": encodeCursor(95), "first": 100},
		{"first": 0},
		{"after": encodeCursor(len(events) - 2)},
		{"yes": false, "dir": "ASC"},
	}
	for name, q := range queries {
		for _, vs := range varSets {
			v := map[string]any{}
			for k, x := range vs {
				if strings.Contains(q, "$"+k) {
					v[k] = x
				}
			}
			a, b := post(t, fast, q, v), post(t, slow, q, v)
			if a.status != 200 || b.status != 200 || !bytes.Equal(a.body, b.body) {
				t.Errorf("%s %v: template answer differs:\n got %d %.600s\nwant %d %.600s", name, v, a.status, a.body, b.status, b.body)
			}
			if bytes.Contains(a.body, []byte(`"errors"`)) {
				t.Errorf("%s %v: %.300s", name, v, a.body)
			}
			if !json.Valid(a.body) || bytes.Contains(a.body, fast.splicePrefix[1:]) {
				t.Errorf("%s %v: answer is not clean JSON: %.300s", name, v, a.body)
			}
		}
	}
}

func TestTemplatable(t *testing.T) {
	cases := []struct {
		names []string
		want  bool
	}{
		{[]string{"cursor", "node", "node.id", "node.data"}, true},
		{[]string{"cursor"}, true},
		{[]string{"node", "node.createdAt"}, true},
		{[]string{"node", "node.activityType"}, false}, // nothing to find the template by
		{[]string{"node"}, false},
		{nil, false},
		{[]string{"cursor", "node", "node.user", "node.user.id"}, true},
		{[]string{"node", "node.user", "node.user.standardAttributes"}, true},
		{[]string{"node", "node.user"}, false}, // user { __typename }
		{[]string{"cursor", "node", "node.somethingNew"}, false},
	}
	for _, c := range cases {
		if got := templatable(c.names); got != c.want {
			t.Errorf("templatable(%q) = %v, want %v", c.names, got, c.want)
		}
	}
}
