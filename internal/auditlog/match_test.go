package auditlog_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func ev(id, typ, user string, at time.Time, data string) *auditlog.Event {
	if data == "" {
		data = `{}`
	}
	return &auditlog.Event{ID: id, ActivityType: typ, UserID: user, CreatedAt: at, Data: json.RawMessage(data)}
}

func mustUser(t testing.TB, s string) auditlog.UserRef {
	t.Helper()
	u, err := auditlog.ParseUser(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMatch(t *testing.T) {
	alice := mustUser(t, "Alice@Example.com")
	alice.ResolvedIDs = []string{"u-alice"}
	phone := mustUser(t, "+852 9876 5432")
	phone.ResolvedIDs = []string{"u-phone"}
	unresolved := mustUser(t, "ghost@example.com")
	raw := mustUser(t, "u-raw")
	node := mustUser(t, auditlog.UserNodeIDOf("u-node"))

	signIn := ev("1", "USER_AUTHENTICATED", "u-alice", t0, `{"payload":{"user":{"id":"u-alice"}}}`)
	mailToAlice := ev("2", "EMAIL_SENT", "", t0, `{"payload":{"recipient":"ALICE@example.com"}}`)
	mailToBob := ev("3", "EMAIL_SENT", "", t0, `{"payload":{"recipient":"bob@example.com"}}`)
	smsToPhone := ev("4", "SMS_SENT", "", t0, `{"payload":{"recipient":"+85298765432"}}`)
	smsSpaced := ev("5", "SMS_SENT", "", t0, `{"payload":{"recipient":"+852 9876 5432"}}`)
	rawEvent := ev("6", "USER_SIGNED_OUT", "u-raw", t0, "")
	nodeEvent := ev("7", "USER_SIGNED_OUT", "u-node", t0, "")
	noUser := ev("8", "PROJECT_APP_UPDATED", "", t0, "")
	odd := ev("9", "EMAIL_SENT", "", t0, `{"payload":{"recipient":42}}`)
	broken := ev("10", "EMAIL_SENT", "", t0, `{"payload":`)
	ghostMail := ev("11", "EMAIL_SENT", "", t0, `{"payload":{"recipient":"ghost@example.com"}}`)

	tests := []struct {
		name string
		f    auditlog.Filter
		e    *auditlog.Event
		want bool
	}{
		{"zero filter", auditlog.Filter{}, signIn, true},
		{"nil event", auditlog.Filter{}, nil, false},
		{"type in", auditlog.Filter{ActivityTypes: []string{"EMAIL_SENT", "USER_AUTHENTICATED"}}, signIn, true},
		{"type out", auditlog.Filter{ActivityTypes: []string{"EMAIL_SENT"}}, signIn, false},
		{"type exact", auditlog.Filter{ActivityTypes: []string{"user_authenticated"}}, signIn, false},
		{"since is inclusive", auditlog.Filter{Since: t0}, signIn, true},
		{"before since", auditlog.Filter{Since: t0.Add(time.Nanosecond)}, signIn, false},
		{"until is exclusive", auditlog.Filter{Until: t0}, signIn, false},
		{"before until", auditlog.Filter{Until: t0.Add(time.Second)}, signIn, true},
		{"in range", auditlog.Filter{Since: t0.Add(-time.Hour), Until: t0.Add(time.Hour)}, signIn, true},
		{"zone of the bound does not matter", auditlog.Filter{Since: t0.In(time.FixedZone("+08", 8*3600))}, signIn, true},
		{"raw id", auditlog.Filter{Users: []auditlog.UserRef{raw}}, rawEvent, true},
		{"raw id other user", auditlog.Filter{Users: []auditlog.UserRef{raw}}, nodeEvent, false},
		{"node id", auditlog.Filter{Users: []auditlog.UserRef{node}}, nodeEvent, true},
		{"users and no user on the event", auditlog.Filter{Users: []auditlog.UserRef{raw}}, noUser, false},
		{"email resolved to user", auditlog.Filter{Users: []auditlog.UserRef{alice}}, signIn, true},
		{"email as recipient, any case", auditlog.Filter{Users: []auditlog.UserRef{alice}}, mailToAlice, true},
		{"email other recipient", auditlog.Filter{Users: []auditlog.UserRef{alice}}, mailToBob, false},
		{"email not a user's", auditlog.Filter{Users: []auditlog.UserRef{alice}}, rawEvent, false},
		{"unresolved email as recipient", auditlog.Filter{Users: []auditlog.UserRef{unresolved}}, ghostMail, true},
		{"unresolved email", auditlog.Filter{Users: []auditlog.UserRef{unresolved}}, signIn, false},
		{"phone resolved", auditlog.Filter{Users: []auditlog.UserRef{phone}}, ev("x", "USER_AUTHENTICATED", "u-phone", t0, ""), true},
		{"phone as recipient", auditlog.Filter{Users: []auditlog.UserRef{phone}}, smsToPhone, true},
		{"phone recipient with spaces", auditlog.Filter{Users: []auditlog.UserRef{phone}}, smsSpaced, true},
		{"phone is not an email", auditlog.Filter{Users: []auditlog.UserRef{phone}}, mailToAlice, false},
		{"email is not a phone", auditlog.Filter{Users: []auditlog.UserRef{alice}}, smsToPhone, false},
		{"recipient not a string", auditlog.Filter{Users: []auditlog.UserRef{alice}}, odd, false},
		{"broken data", auditlog.Filter{Users: []auditlog.UserRef{alice}}, broken, false},
		{"users are OR-ed", auditlog.Filter{Users: []auditlog.UserRef{raw, alice, phone}}, smsToPhone, true},
		{"all conditions AND-ed: type fails", auditlog.Filter{ActivityTypes: []string{"SMS_SENT"}, Users: []auditlog.UserRef{alice}}, mailToAlice, false},
		{"all conditions AND-ed: time fails", auditlog.Filter{Until: t0, Users: []auditlog.UserRef{alice}}, mailToAlice, false},
		{"all conditions AND-ed: all pass", auditlog.Filter{ActivityTypes: []string{"EMAIL_SENT"}, Since: t0, Until: t0.Add(time.Second), Users: []auditlog.UserRef{alice}}, mailToAlice, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Compile().Match(tt.e); got != tt.want {
				t.Errorf("Matcher.Match = %v, want %v", got, tt.want)
			}
		})
	}
}

// A Matcher does not see later changes to the Filter it came from.
func TestCompileCopies(t *testing.T) {
	f := auditlog.Filter{ActivityTypes: []string{"USER_CREATED"}}
	m := f.Compile()
	f.ActivityTypes[0] = "USER_DELETED"
	if !m.Match(ev("1", "USER_CREATED", "", t0, "")) {
		t.Error("the Matcher changed with the Filter")
	}
}

func snapshotEvent(id, userID, email, phone string) *auditlog.Event {
	data := fmt.Sprintf(`{"payload":{"user":{"id":%q,"standard_attributes":{"email":%q,"phone_number":%q}}},"context":{"user_id":%q}}`,
		userID, email, phone, userID)
	return ev(id, "USER_PROFILE_UPDATED", userID, t0, data)
}

func TestLearnFrom(t *testing.T) {
	u := mustUser(t, "alice@example.com")
	if !u.LearnFrom(snapshotEvent("1", "u-alice", "Alice@Example.com", "")) {
		t.Fatal("did not learn u-alice from her snapshot")
	}
	if u.LearnFrom(snapshotEvent("2", "u-alice", "alice@example.com", "")) {
		t.Error("learnt u-alice twice")
	}
	if u.LearnFrom(snapshotEvent("3", "u-bob", "bob@example.com", "")) {
		t.Error("learnt bob for alice's address")
	}
	// A second account that once had the same address.
	if !u.LearnFrom(snapshotEvent("4", "u-alice2", "alice@example.com", "")) {
		t.Error("did not learn a second owner")
	}
	if got := fmt.Sprint(u.ResolvedIDs); got != "[u-alice u-alice2]" {
		t.Errorf("ResolvedIDs = %s", got)
	}

	p := mustUser(t, "+85298765432")
	if !p.LearnFrom(snapshotEvent("5", "u-phone", "", "+852 9876 5432")) {
		t.Error("did not learn the owner of the phone number")
	}
	// The ID falls back to the event's user when the snapshot has none.
	q := mustUser(t, "carol@example.com")
	e := ev("6", "USER_AUTHENTICATED", "u-carol", t0, `{"payload":{"user":{"standard_attributes":{"email":"carol@example.com"}}}}`)
	if !q.LearnFrom(e) || q.ResolvedIDs[0] != "u-carol" {
		t.Errorf("ResolvedIDs = %v, want u-carol from the event", q.ResolvedIDs)
	}
	e = ev("7", "USER_AUTHENTICATED", "", t0, `{"payload":{"user":{"standard_attributes":{"email":"dave@example.com"}}},"context":{"user_id":"u-dave"}}`)
	d := mustUser(t, "dave@example.com")
	if !d.LearnFrom(e) || d.ResolvedIDs[0] != "u-dave" {
		t.Errorf("ResolvedIDs = %v, want u-dave from the context", d.ResolvedIDs)
	}

	r := mustUser(t, "u-alice")
	if r.LearnFrom(snapshotEvent("8", "u-alice", "alice@example.com", "")) {
		t.Error("an ID reference learnt something")
	}
	for _, data := range []string{``, `{}`, `{"payload":{"user":null}}`, `{"payload":{"user":{"id":"x"}}}`, `{"payload":{"user":{"id":"x","standard_attributes":{"email":7}}}}`, `not json`} {
		v := mustUser(t, "x@example.com")
		if v.LearnFrom(ev("9", "USER_CREATED", "", t0, data)) {
			t.Errorf("learnt from %s", data)
		}
	}
}

// A filter compiled after LearnFrom matches the events of the users whose
// snapshots gave their email or phone: how --input resolves an address.
func TestCompileAfterLearnFrom(t *testing.T) {
	f := auditlog.Filter{Users: []auditlog.UserRef{mustUser(t, "alice@example.com"), mustUser(t, "+85298765432")}}
	signIn := ev("1", "USER_AUTHENTICATED", "u-alice", t0, "")
	if f.Compile().Match(signIn) {
		t.Fatal("matched before learning")
	}
	learn := func(e *auditlog.Event) (learnt bool) {
		for i := range f.Users {
			learnt = f.Users[i].LearnFrom(e) || learnt
		}
		return learnt
	}
	if learn(snapshotEvent("2", "u-bob", "bob@example.com", "")) {
		t.Error("learnt bob")
	}
	if !learn(snapshotEvent("3", "u-alice", "ALICE@example.com", "")) {
		t.Fatal("did not learn alice")
	}
	if learn(snapshotEvent("4", "u-alice", "alice@example.com", "")) {
		t.Error("learnt alice twice")
	}
	if !f.Compile().Match(signIn) {
		t.Error("no match after learning")
	}
	if !learn(snapshotEvent("5", "u-phone", "", "+85298765432")) || !f.Compile().Match(ev("6", "SMS_SENT", "u-phone", t0, "")) {
		t.Error("did not learn the phone's owner")
	}
}

func TestDescribe(t *testing.T) {
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.FixedZone("+08", 8*3600))
	tests := []struct {
		f    auditlog.Filter
		want string
	}{
		{auditlog.Filter{}, "all events"},
		{auditlog.Filter{ActivityTypes: []string{"USER_AUTHENTICATED"}}, "USER_AUTHENTICATED"},
		{auditlog.Filter{
			ActivityTypes: []string{"USER_AUTHENTICATED", "USER_CREATED", "USER_DELETED"},
			Since:         since,
			Users:         []auditlog.UserRef{mustUser(t, "Alice@Example.com")},
		}, "USER_AUTHENTICATED, 2 more; since 2026-10-31T16:00:00Z; user alice@example.com"},
		{auditlog.Filter{Until: t0}, "until 2026-11-25T10:00:00Z"},
		{auditlog.Filter{Users: []auditlog.UserRef{mustUser(t, "u1"), mustUser(t, auditlog.UserNodeIDOf("u2")), mustUser(t, "+852 9876 5432")}},
			"users u1, u2, +85298765432"},
	}
	for _, tt := range tests {
		if got := tt.f.Describe(); got != tt.want {
			t.Errorf("Describe()\n got %s\nwant %s", got, tt.want)
		}
	}
}

func BenchmarkMatcher(b *testing.B) {
	types, err := auditlog.ExpandActivities([]string{"messaging,user"})
	if err != nil {
		b.Fatal(err)
	}
	u := mustUser(b, "alice@example.com")
	u.ResolvedIDs = []string{"u-alice"}
	m := auditlog.Filter{ActivityTypes: types, Since: t0.Add(-time.Hour), Users: []auditlog.UserRef{u}}.Compile()
	data := `{"context":{"app_id":"demo","client_id":"c1","ip_address":"203.0.113.7","timestamp":1764064800,"triggered_by":"user","user_agent":"Mozilla/5.0"},"id":"ev","payload":{"description":"x","recipient":"bob@example.com","type":"login"},"seq":4711,"type":"email.sent"}`
	events := []*auditlog.Event{
		ev("1", "EMAIL_SENT", "", t0, data),
		ev("2", "USER_AUTHENTICATED", "u-alice", t0, data),
		ev("3", "ADMIN_API_MUTATION_UPDATE_USER_EXECUTED", "u-alice", t0, data),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		m.Match(events[i%len(events)])
	}
}
