package query_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/query"
)

type fakeLookup struct {
	owners map[string][]string // attribute + "=" + value -> raw IDs
	calls  []string
}

func (f *fakeLookup) UsersByAttribute(_ context.Context, attr, value string) ([]string, error) {
	f.calls = append(f.calls, attr+"="+value)
	if attr == "email" && value == "broken@example.com" {
		return nil, errors.New("boom")
	}
	return f.owners[attr+"="+value], nil
}

func TestSelection(t *testing.T) {
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	f := auditlog.Filter{
		ActivityTypes: []string{"USER_AUTHENTICATED"},
		Since:         since,
		Users: []auditlog.UserRef{
			{Kind: auditlog.UserRawID, Input: "u1", RawID: "u1"},
			{Kind: auditlog.UserNodeID, Input: auditlog.UserNodeIDOf("u1"), RawID: "u1"},
			{Kind: auditlog.UserEmail, Input: "a@example.com", Value: "a@example.com"},
			{Kind: auditlog.UserEmail, Input: "A@example.com", Value: "a@example.com"},
			{Kind: auditlog.UserPhone, Input: "+85291234567", Value: "+85291234567"},
			{Kind: auditlog.UserEmail, Input: "nobody@example.com", Value: "nobody@example.com"},
		},
	}
	look := &fakeLookup{owners: map[string][]string{
		"email=a@example.com":       {"u2", "u1"},
		"phone_number=+85291234567": {"u3"},
	}}
	sel, resolved, err := query.Selection(context.Background(), look, f)
	if err != nil {
		t.Fatal(err)
	}
	want := adminapi.Selection{
		ActivityTypes:  []string{"USER_AUTHENTICATED"},
		UserIDs:        []string{auditlog.UserNodeIDOf("u1"), auditlog.UserNodeIDOf("u2"), auditlog.UserNodeIDOf("u3")},
		EmailAddresses: []string{"a@example.com", "nobody@example.com"},
		PhoneNumbers:   []string{"+85291234567"},
		From:           since,
	}
	if !reflect.DeepEqual(sel, want) {
		t.Errorf("selection = %+v\nwant        %+v", sel, want)
	}
	wantCalls := []string{"email=a@example.com", "phone_number=+85291234567", "email=nobody@example.com"}
	if !reflect.DeepEqual(look.calls, wantCalls) {
		t.Errorf("lookups = %v, want %v (each distinct address once)", look.calls, wantCalls)
	}
	if got := resolved.Users[3].ResolvedIDs; !reflect.DeepEqual(got, []string{"u2", "u1"}) {
		t.Errorf("resolved IDs of the repeated email = %v", got)
	}
	if len(f.Users[2].ResolvedIDs) != 0 {
		t.Errorf("Selection changed its argument")
	}
	if resolved.Users[5].ResolvedIDs != nil {
		t.Errorf("unknown email resolved to %v", resolved.Users[5].ResolvedIDs)
	}

	_, _, err = query.Selection(context.Background(), look, auditlog.Filter{Users: []auditlog.UserRef{
		{Kind: auditlog.UserEmail, Input: "broken@example.com", Value: "broken@example.com"},
	}})
	if err == nil || err.Error() != "look up users with email broken@example.com: boom" {
		t.Errorf("lookup failure: err = %v", err)
	}
}

func TestUnresolved(t *testing.T) {
	f := auditlog.Filter{Users: []auditlog.UserRef{
		{Kind: auditlog.UserEmail, Value: "a@example.com", ResolvedIDs: []string{"u1"}},
		{Kind: auditlog.UserEmail, Value: "nobody@example.com"},
		{Kind: auditlog.UserPhone, Value: "+85291234567"},
		{Kind: auditlog.UserRawID, RawID: "u9"},
	}}
	want := []string{
		"no user has email address nobody@example.com; matching messages sent to it only",
		"no user has phone number +85291234567; matching messages sent to it only",
	}
	if got := query.Unresolved(f); !reflect.DeepEqual(got, want) {
		t.Errorf("Unresolved = %q\nwant %q", got, want)
	}
}
