package adminapi

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/Khan/genqlient/graphql"
	"golang.org/x/sync/errgroup"
)

// maxCountAliases is how many counts one request asks for. Each is a
// count(*) over an indexed range, cheap for the server; the cap keeps one
// request from holding hundreds of them.
const maxCountAliases = 50

// CountRequests is how many requests Counts makes for n selections.
func CountRequests(n int) int { return (n + maxCountAliases - 1) / maxCountAliases }

// Count returns how many events match s (the server's totalCount).
func (c *Client) Count(ctx context.Context, s Selection) (int, error) {
	n, err := c.Counts(ctx, []Selection{s})
	if err != nil {
		return 0, err
	}
	return n[0], nil
}

// Counts returns how many events match each selection, in order. The
// counts go out together, as aliases of auditLogs in one request (or a few,
// maxCountAliases each): a day's or a type's count is one alias rather
// than one round trip. The query is built here because its number of
// aliases varies; genqlient generates operations of a fixed shape only.
func (c *Client) Counts(ctx context.Context, sels []Selection) ([]int, error) {
	out := make([]int, len(sels))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for lo := 0; lo < len(sels); lo += maxCountAliases {
		hi := min(lo+maxCountAliases, len(sels))
		g.Go(func() error { return c.countBatch(gctx, sels[lo:hi], out[lo:hi]) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// countBatch asks for the counts of sels in one request and stores them in
// out.
func (c *Client) countBatch(ctx context.Context, sels []Selection, out []int) error {
	var decl, body strings.Builder
	vars := map[string]any{}
	arg := func(b *strings.Builder, name, gqlType, v string, val any) {
		fmt.Fprintf(&decl, "$%s: %s ", v, gqlType)
		fmt.Fprintf(b, ", %s: $%s", name, v)
		vars[v] = val
	}
	for i, s := range sels {
		n := strconv.Itoa(i)
		var args strings.Builder
		types, from, to := selectionVars(s)
		if types != nil {
			arg(&args, "activityTypes", "[AuditLogActivityType!]", "a"+n, types)
		}
		if ids := nonEmpty(s.UserIDs); ids != nil {
			arg(&args, "userIDs", "[ID!]", "u"+n, ids)
		}
		if e := nonEmpty(s.EmailAddresses); e != nil {
			arg(&args, "emailAddresses", "[String!]", "e"+n, e)
		}
		if p := nonEmpty(s.PhoneNumbers); p != nil {
			arg(&args, "phoneNumbers", "[String!]", "p"+n, p)
		}
		if from != nil {
			arg(&args, "rangeFrom", "DateTime", "f"+n, *from)
		}
		if to != nil {
			arg(&args, "rangeTo", "DateTime", "t"+n, *to)
		}
		fmt.Fprintf(&body, "  c%s: auditLogs(first: 1%s) { totalCount }\n", n, args.String())
	}
	query := "query AuditLogCounts"
	if decl.Len() > 0 {
		query += "(" + strings.TrimSpace(decl.String()) + ")"
	}
	query += " {\n" + body.String() + "}"

	var data map[string]*struct {
		TotalCount *int `json:"totalCount"`
	}
	req := &graphql.Request{OpName: "AuditLogCounts", Query: query, Variables: vars}
	if err := c.gql.MakeRequest(ctx, req, &graphql.Response{Data: &data}); err != nil {
		return err
	}
	for i := range sels {
		conn := data["c"+strconv.Itoa(i)]
		if conn == nil {
			return noField("count audit logs", "auditLogs")
		}
		if conn.TotalCount == nil {
			return noField("count audit logs", "totalCount")
		}
		out[i] = *conn.TotalCount
	}
	return nil
}
