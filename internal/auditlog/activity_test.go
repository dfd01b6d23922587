package auditlog_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// enums returns the enum names of the catalog entries that keep says yes to,
// sorted.
func enums(keep func(a auditlog.ActivityType) bool) []string {
	var out []string
	for _, a := range auditlog.Catalog() {
		if keep(a) {
			out = append(out, a.Enum)
		}
	}
	slices.Sort(out)
	return out
}

func inGroup(g string) func(auditlog.ActivityType) bool {
	return func(a auditlog.ActivityType) bool { return a.Group == g }
}

func TestExpandActivities(t *testing.T) {
	all := enums(func(auditlog.ActivityType) bool { return true })
	userTab := enums(func(a auditlog.ActivityType) bool {
		return !strings.HasPrefix(a.Enum, "ADMIN_API_") && !strings.HasPrefix(a.Enum, "PROJECT_") &&
			a.Enum != "FRAUD_PROTECTION_DECISION_RECORDED"
	})
	adminTab := enums(func(a auditlog.ActivityType) bool {
		return strings.HasPrefix(a.Enum, "ADMIN_API_") || strings.HasPrefix(a.Enum, "PROJECT_")
	})
	authFailed := enums(func(a auditlog.ActivityType) bool {
		return strings.HasPrefix(a.Enum, "AUTHENTICATION_") && strings.HasSuffix(a.Enum, "_FAILED")
	})
	tests := []struct {
		name     string
		patterns []string
		want     []string
	}{
		{"none", nil, nil},
		{"empty list", []string{}, nil},
		{"enum", []string{"USER_AUTHENTICATED"}, []string{"USER_AUTHENTICATED"}},
		{"enum any case", []string{"user_Authenticated"}, []string{"USER_AUTHENTICATED"}},
		{"event type", []string{"user.authenticated"}, []string{"USER_AUTHENTICATED"}},
		{"event type upper case", []string{"USER.PROFILE.UPDATED"}, []string{"USER_PROFILE_UPDATED"}},
		{"spaces and commas", []string{" user.created , USER_DELETED", "email.sent"},
			[]string{"EMAIL_SENT", "USER_CREATED", "USER_DELETED"}},
		{"duplicates", []string{"USER_CREATED,user.created", "USER_CREATED"}, []string{"USER_CREATED"}},
		{"enum glob", []string{"AUTHENTICATION_*_FAILED"}, authFailed},
		{"dotted glob", []string{"authentication.*.failed"}, authFailed},
		{"suffix glob", []string{"*_failed"}, enums(func(a auditlog.ActivityType) bool { return strings.HasSuffix(a.Enum, "_FAILED") })},
		{"question mark", []string{"?MS_SENT"}, []string{"SMS_SENT"}},
		{"glob over both forms", []string{"whatsapp.*"}, enums(func(a auditlog.ActivityType) bool { return strings.HasPrefix(a.Enum, "WHATSAPP_") })},
		{"star is all", []string{"*"}, all},
		{"group", []string{"messaging"}, enums(inGroup("messaging"))},
		{"group upper case", []string{"IDENTITY"}, enums(inGroup("identity"))},
		{"group with dash", []string{"admin-api"}, enums(inGroup("admin_api"))},
		{"group with underscore", []string{"admin_api"}, enums(inGroup("admin_api"))},
		{"group other", []string{"other"}, []string{"FRAUD_PROTECTION_DECISION_RECORDED", "M2M_TOKEN_CREATED", "USAGE_ALERT_TRIGGERED"}},
		{"user tab", []string{"user-activities"}, userTab},
		{"user tab underscore", []string{"USER_ACTIVITIES"}, userTab},
		{"admin tab", []string{"admin-activities"}, adminTab},
		{"admin tab underscore", []string{"admin_activities"}, adminTab},
		{"tabs together are all but one", []string{"user-activities,admin-activities"},
			enums(func(a auditlog.ActivityType) bool { return a.Enum != "FRAUD_PROTECTION_DECISION_RECORDED" })},
		{"group plus name", []string{"project,user.created"}, append(enums(inGroup("project")), "USER_CREATED")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := auditlog.ExpandActivities(tt.patterns)
			if err != nil {
				t.Fatalf("ExpandActivities(%q): %v", tt.patterns, err)
			}
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("ExpandActivities(%q)\n got %v\nwant %v", tt.patterns, got, want)
			}
			if tt.want == nil && got != nil {
				t.Errorf("want nil, got %#v", got)
			}
		})
	}
	if n := len(userTab) + len(adminTab); n != len(all)-1 {
		t.Errorf("the two tabs hold %d types, want all but one (%d)", n, len(all)-1)
	}
}

func TestExpandActivitiesErrors(t *testing.T) {
	const see = " (see 'authgear-audit activity-types')"
	tests := []struct {
		patterns []string
		want     string
	}{
		{[]string{"usr.authenticated"}, `unknown activity "usr.authenticated": did you mean "user.authenticated"?` + see},
		{[]string{"USER_AUTHENTICATD"}, `unknown activity "USER_AUTHENTICATD": did you mean "USER_AUTHENTICATED"?` + see},
		{[]string{"user_authenticatd"}, `unknown activity "user_authenticatd": did you mean "user_authenticated"?` + see},
		{[]string{"AUTHENTICATION_PASSWORD_FAILED"}, `unknown activity "AUTHENTICATION_PASSWORD_FAILED": did you mean "AUTHENTICATION_PRIMARY_PASSWORD_FAILED"?` + see},
		{[]string{"users"}, `unknown activity "users": did you mean "user"?` + see},
		{[]string{"admin-apis"}, `unknown activity "admin-apis": did you mean "admin_api"?` + see},
		{[]string{"user_activity"}, `unknown activity "user_activity": did you mean "user-activities"?` + see},
		{[]string{"admin_apis"}, `unknown activity "admin_apis": did you mean "admin_api"?` + see},
		{[]string{"user-activity"}, `unknown activity "user-activity": did you mean "user-activities"?` + see},
		{[]string{"foo"}, `unknown activity "foo"` + see},
		{[]string{"user.created, bogus-thing-entirely"}, `unknown activity "bogus-thing-entirely"` + see},
		{[]string{"usr.*"}, `no activity matches "usr.*": did you mean "user.*"?` + see},
		{[]string{"*_faild"}, `no activity matches "*_faild": did you mean "*_failed"?` + see},
		{[]string{"NOTHING_*"}, `no activity matches "NOTHING_*"` + see},
		{[]string{"a*b*c"}, `no activity matches "a*b*c"` + see},
		{[]string{"user.created,,email.sent"}, `empty activity in "user.created,,email.sent": give an activity type, a glob or a group between the commas`},
		{[]string{"user.created,"}, `empty activity in "user.created,": give an activity type, a glob or a group between the commas`},
		{[]string{""}, `empty activity in "": give an activity type, a glob or a group between the commas`},
		{[]string{"  "}, `empty activity in "  ": give an activity type, a glob or a group between the commas`},
	}
	for _, tt := range tests {
		got, err := auditlog.ExpandActivities(tt.patterns)
		if err == nil {
			t.Errorf("ExpandActivities(%q) = %v, want error %s", tt.patterns, got, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("ExpandActivities(%q)\n got %s\nwant %s", tt.patterns, err, tt.want)
		}
		if got != nil {
			t.Errorf("ExpandActivities(%q) returned %v with the error", tt.patterns, got)
		}
	}
}

func TestPortalTabs(t *testing.T) {
	for _, a := range auditlog.Catalog() {
		admin := a.Group == "admin_api" || a.Group == "project"
		if auditlog.InAdminActivities(a.Enum) != admin {
			t.Errorf("InAdminActivities(%s) = %v", a.Enum, !admin)
		}
		if auditlog.InUserActivities(a.Enum) == admin && a.Enum != "FRAUD_PROTECTION_DECISION_RECORDED" {
			t.Errorf("InUserActivities(%s) = %v", a.Enum, admin)
		}
	}
	if auditlog.InUserActivities("FRAUD_PROTECTION_DECISION_RECORDED") {
		t.Error("fraud protection decisions are in neither tab")
	}
}
