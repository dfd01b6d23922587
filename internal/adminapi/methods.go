package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// emptyData stands in for an event whose data is null.
var emptyData = json.RawMessage(`{}`)

// pageVars are the variables of AuditLogPage.
type pageVars struct {
	first          *int
	after          *string
	activityTypes  []AuditLogActivityType
	userIDs        []string
	emailAddresses []string
	phoneNumbers   []string
	rangeFrom      *time.Time
	rangeTo        *time.Time
	sortDirection  *SortDirection
}

// selectionVars converts a Selection; times go out in UTC because the server
// drops the offset of a zoned timestamp.
func selectionVars(s Selection) (types []AuditLogActivityType, from, to *time.Time) {
	if len(s.ActivityTypes) > 0 {
		types = make([]AuditLogActivityType, len(s.ActivityTypes))
		for i, t := range s.ActivityTypes {
			types[i] = AuditLogActivityType(t)
		}
	}
	if !s.From.IsZero() {
		t := s.From.UTC()
		from = &t
	}
	if !s.To.IsZero() {
		t := s.To.UTC()
		to = &t
	}
	return types, from, to
}

func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func (q PageQuery) vars() pageVars {
	first := q.First
	if first <= 0 || first > MaxPageSize {
		first = MaxPageSize
	}
	dir := SortDirectionAsc
	if q.Descending {
		dir = SortDirectionDesc
	}
	types, from, to := selectionVars(q.Selection)
	v := pageVars{
		first:          &first,
		activityTypes:  types,
		userIDs:        nonEmpty(q.UserIDs),
		emailAddresses: nonEmpty(q.EmailAddresses),
		phoneNumbers:   nonEmpty(q.PhoneNumbers),
		rangeFrom:      from,
		rangeTo:        to,
		sortDirection:  &dir,
	}
	if q.After != "" {
		after := q.After
		v.after = &after
	}
	return v
}

// eventNode is what every generated AuditLog node type offers.
type eventNode interface {
	GetId() string
	GetCreatedAt() time.Time
	GetActivityType() AuditLogActivityType
	GetIpAddress() *string
	GetUserAgent() *string
	GetClientID() *string
	GetData() *json.RawMessage
}

// Page fetches one page of events.
func (c *Client) Page(ctx context.Context, q PageQuery) (*Page, error) {
	v := q.vars()
	resp, err := AuditLogPage(ctx, c.gql, v.first, v.after, v.activityTypes, v.userIDs,
		v.emailAddresses, v.phoneNumbers, v.rangeFrom, v.rangeTo, v.sortDirection, q.WithTotal)
	if err != nil {
		return nil, err
	}
	conn := resp.AuditLogs
	if conn == nil {
		return nil, noField("fetch audit logs", "auditLogs")
	}
	if q.WithTotal && conn.TotalCount == nil {
		return nil, noField("fetch audit logs", "totalCount")
	}
	return c.convertPage(conn, q.After), nil
}

// convertPage turns a page answer into a Page. A null edge or node is
// skipped with a warning but counted in Edges, so the walker still sees a
// full page.
func (c *Client) convertPage(conn *AuditLogPageAuditLogsAuditLogConnection, after string) *Page {
	page := &Page{
		Events:      make([]auditlog.Event, 0, len(conn.Edges)),
		Edges:       len(conn.Edges),
		EndCursor:   deref(conn.PageInfo.EndCursor),
		HasNextPage: conn.PageInfo.HasNextPage,
		TotalCount:  -1,
	}
	if conn.TotalCount != nil {
		page.TotalCount = *conn.TotalCount
	}
	prev := after
	for _, e := range conn.Edges {
		if e == nil {
			c.warn(fmt.Sprintf("the Admin API sent a null edge at %s: skipped", c.sanitize(edgeAfter(prev), 120)))
			continue
		}
		if e.Node == nil {
			where := "cursor " + e.Cursor
			if e.Cursor == "" {
				where = edgeAfter(prev)
			}
			c.warn(fmt.Sprintf("the Admin API sent an empty event at %s: skipped", c.sanitize(where, 120)))
		} else {
			page.Events = append(page.Events, c.toEvent(e.Node))
		}
		prev = e.Cursor
	}
	return page
}

func edgeAfter(prev string) string {
	if prev == "" {
		return "the first edge"
	}
	return "the edge after cursor " + prev
}

// toEvent converts a node into the record we emit.
func (c *Client) toEvent(n eventNode) auditlog.Event {
	e := auditlog.Event{
		CreatedAt:    n.GetCreatedAt().UTC(),
		ActivityType: string(n.GetActivityType()),
		IPAddress:    deref(n.GetIpAddress()),
		UserAgent:    deref(n.GetUserAgent()),
		ClientID:     deref(n.GetClientID()),
	}
	var data json.RawMessage
	if p := n.GetData(); p != nil && len(*p) > 0 && string(*p) != "null" {
		data = *p
	}
	if id, ok := auditlog.EventIDFromNodeID(n.GetId()); ok {
		e.ID = id
	} else if data != nil {
		if r := gjson.GetBytes(data, "id"); r.Type == gjson.String {
			e.ID = r.Str
		}
	}
	if e.ID == "" {
		e.ID = n.GetId()
	}
	if data == nil {
		c.warn(fmt.Sprintf("event %s (%s at %s) has no data: written as {}", c.sanitize(e.ID, 80), c.sanitize(e.ActivityType, 60), e.CreatedAt.Format(time.RFC3339)))
		data = emptyData
	} else if r := gjson.GetBytes(data, "context.user_id"); r.Type == gjson.String {
		e.UserID = r.Str
	}
	e.Data = data
	return e
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func noField(op, field string) error {
	return &APIError{Op: op, Err: fmt.Errorf("the Admin API answered without %s", field)}
}

// Event fetches one event by its raw ID or its node ID. An ID that names no
// event (or names something else than an event) gives ErrNotFound.
func (c *Client) Event(ctx context.Context, id string) (*auditlog.Event, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return nil, errors.New("empty event ID")
	}
	nodeID := id
	if _, ok := auditlog.EventIDFromNodeID(id); !ok {
		nodeID = auditlog.EventNodeID(id)
	}
	resp, err := GetAuditLog(ctx, c.gql, nodeID)
	if err != nil {
		return nil, err
	}
	if resp.Node == nil || *resp.Node == nil {
		return nil, fmt.Errorf("event %s: %w", id, ErrNotFound)
	}
	n, ok := (*resp.Node).(*GetAuditLogNodeAuditLog)
	if !ok {
		return nil, fmt.Errorf("event %s: %w", id, ErrNotFound)
	}
	e := c.toEvent(n)
	return &e, nil
}

// UsersByAttribute returns the raw IDs of the users whose standard attribute
// (email, phone_number or preferred_username) equals value.
func (c *Client) UsersByAttribute(ctx context.Context, attribute, value string) ([]string, error) {
	switch attribute {
	case "email", "phone_number", "preferred_username":
	default:
		return nil, fmt.Errorf("look up users: unknown attribute %q (want email, phone_number or preferred_username)", attribute)
	}
	resp, err := UsersByStandardAttribute(ctx, c.gql, attribute, value)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(resp.GetUsersByStandardAttribute))
	for _, u := range resp.GetUsersByStandardAttribute {
		raw, ok := auditlog.UserIDFromNodeID(u.Id)
		if !ok {
			return nil, &APIError{Op: "look up users", Err: fmt.Errorf("the Admin API sent a user ID that is not a User node ID: %s", c.sanitize(u.Id, 80))}
		}
		ids = append(ids, raw)
	}
	return ids, nil
}

// CheckResult is what a successful Check proved.
type CheckResult struct {
	Endpoint string
	Project  string // the project ID, or the audience of a ready token
	KeyID    string // the key ID, or the kid of a ready token
	Latency  time.Duration
}

// Check proves that the endpoint answers and accepts the credentials with one
// cheap query (a count over the last minute). Failures are classified: DNS,
// connection, TLS, refused credentials, not a GraphQL endpoint.
func (c *Client) Check(ctx context.Context) (*CheckResult, error) {
	res := &CheckResult{Endpoint: c.url, Project: c.opts.ProjectID, KeyID: c.opts.KeyID}
	if c.opts.Token != "" {
		aud, kid := tokenClaims(c.opts.Token)
		if res.Project == "" {
			res.Project = aud
		}
		if res.KeyID == "" {
			res.KeyID = kid
		}
	}
	now := c.now().UTC().Truncate(time.Second)
	start := time.Now()
	if _, err := c.Count(ctx, Selection{From: now.Add(-time.Minute), To: now.Add(time.Second)}); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			return nil, &APIError{Op: "test query", Err: apiErr.Err}
		}
		return nil, err
	}
	res.Latency = time.Since(start)
	return res, nil
}
