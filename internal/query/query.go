// Package query translates a Filter into the Admin API's Selection: the one
// place where what a user asked for becomes what the server is asked. Email
// addresses and phone numbers are looked up as users here; filters the API
// lacks stay in auditlog.Filter.Local.
package query

import (
	"context"
	"fmt"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// UserLookup is what Selection needs from the client.
type UserLookup interface {
	UsersByAttribute(ctx context.Context, attribute, value string) ([]string, error)
}

// Selection turns f into the API's Selection. Raw and node user IDs become
// node IDs. An email address or phone number is looked up (once per
// distinct value): the owners' IDs join UserIDs and the address itself
// joins EmailAddresses or PhoneNumbers, which the server ORs with UserIDs,
// so one --user finds both what the user did and what was sent to them. An
// address that matches no user still filters by recipient (see Unresolved).
// It returns f with ResolvedIDs filled in; f itself is not changed.
func Selection(ctx context.Context, c UserLookup, f auditlog.Filter) (adminapi.Selection, auditlog.Filter, error) {
	sel := adminapi.Selection{
		ActivityTypes: append([]string(nil), f.ActivityTypes...),
		From:          f.Since,
		To:            f.Until,
	}
	users := make([]auditlog.UserRef, len(f.Users))
	copy(users, f.Users)
	f.Users = users

	seen := map[*[]string]map[string]bool{}
	add := func(list *[]string, v string) {
		if seen[list] == nil {
			seen[list] = map[string]bool{}
		}
		if !seen[list][v] {
			seen[list][v] = true
			*list = append(*list, v)
		}
	}
	type lookupKey struct{ attr, value string }
	looked := map[lookupKey][]string{}
	for i := range users {
		u := &users[i]
		var attr string
		switch u.Kind {
		case auditlog.UserRawID, auditlog.UserNodeID:
			add(&sel.UserIDs, auditlog.UserNodeIDOf(u.RawID))
			continue
		case auditlog.UserEmail:
			attr = "email"
			add(&sel.EmailAddresses, u.Value)
		case auditlog.UserPhone:
			attr = "phone_number"
			add(&sel.PhoneNumbers, u.Value)
		default:
			return sel, f, fmt.Errorf("--user %q: unknown kind of user reference", u.Input)
		}
		k := lookupKey{attr, u.Value}
		ids, ok := looked[k]
		if !ok {
			var err error
			ids, err = c.UsersByAttribute(ctx, attr, u.Value)
			if err != nil {
				return sel, f, fmt.Errorf("look up users with %s %s: %w", attr, u.Value, err)
			}
			looked[k] = ids
		}
		u.ResolvedIDs = append([]string(nil), ids...)
		for _, id := range ids {
			add(&sel.UserIDs, auditlog.UserNodeIDOf(id))
		}
	}
	return sel, f, nil
}

// Unresolved are the notices for the email addresses and phone numbers of
// a resolved Filter that belong to no user: they still select messages sent
// to them.
func Unresolved(f auditlog.Filter) []string {
	var msgs []string
	for _, u := range f.Users {
		if (u.Kind == auditlog.UserEmail || u.Kind == auditlog.UserPhone) && len(u.ResolvedIDs) == 0 {
			msgs = append(msgs, fmt.Sprintf("no user has %s %s; matching messages sent to it only", kindName(u.Kind), u.Value))
		}
	}
	return msgs
}

func kindName(k auditlog.UserKind) string {
	if k == auditlog.UserPhone {
		return "phone number"
	}
	return "email address"
}
