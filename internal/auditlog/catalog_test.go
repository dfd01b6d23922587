package auditlog_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// The catalog must list exactly the enum of the schema the client is
// generated from, in the same order.
func TestCatalogMatchesGeneratedEnum(t *testing.T) {
	cat := auditlog.Catalog()
	if len(cat) != len(adminapi.AllAuditLogActivityType) {
		t.Fatalf("catalog has %d types, the generated enum %d", len(cat), len(adminapi.AllAuditLogActivityType))
	}
	for i, v := range adminapi.AllAuditLogActivityType {
		if cat[i].Enum != string(v) {
			t.Errorf("catalog[%d] = %s, generated enum has %s", i, cat[i].Enum, v)
		}
	}
	if len(cat) != 129 {
		t.Errorf("catalog has %d types, want 129", len(cat))
	}
}

func TestCatalogEntries(t *testing.T) {
	groups := map[string]bool{}
	for _, g := range auditlog.Groups() {
		groups[g] = true
	}
	eventType := regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*(\.[a-z0-9]+(_[a-z0-9]+)*)+$`)
	seenEnum := map[string]bool{}
	seenType := map[string]bool{}
	perGroup := map[string]int{}
	for _, a := range auditlog.Catalog() {
		if seenEnum[a.Enum] || seenType[a.EventType] {
			t.Errorf("%s: duplicate", a.Enum)
		}
		seenEnum[a.Enum], seenType[a.EventType] = true, true
		if !groups[a.Group] {
			t.Errorf("%s: group %q is not one of %v", a.Enum, a.Group, auditlog.Groups())
		}
		perGroup[a.Group]++
		if !eventType.MatchString(a.EventType) {
			t.Errorf("%s: event type %q is not dotted lower case", a.Enum, a.EventType)
		}
		// The event type is the enum name with some underscores made dots:
		// compare them with the separators removed.
		if strip(a.EventType) != strip(strings.ToLower(a.Enum)) {
			t.Errorf("%s: event type %q does not spell the enum name", a.Enum, a.EventType)
		}
		d := a.Description
		if strings.TrimSpace(d) == "" || strings.ContainsAny(d, "\n\t") || len(d) > 100 {
			t.Errorf("%s: description %q is not one short line", a.Enum, d)
		}
		got, ok := auditlog.LookupActivity(a.Enum)
		if !ok || got != a {
			t.Errorf("LookupActivity(%s) = %v, %v", a.Enum, got, ok)
		}
		if strings.HasPrefix(a.Enum, "ADMIN_API_") != (a.Group == "admin_api") ||
			strings.HasPrefix(a.Enum, "PROJECT_") != (a.Group == "project") {
			t.Errorf("%s: group %s disagrees with the prefix", a.Enum, a.Group)
		}
	}
	for g := range groups {
		if perGroup[g] == 0 {
			t.Errorf("group %s is empty", g)
		}
	}
	if _, ok := auditlog.LookupActivity("user_authenticated"); ok {
		t.Error("LookupActivity is exact: lower case must not be found")
	}
}

// Catalog hands out a copy: changing it does not change the next call.
func TestCatalogIsACopy(t *testing.T) {
	c := auditlog.Catalog()
	c[0].Enum = "CHANGED"
	if auditlog.Catalog()[0].Enum == "CHANGED" {
		t.Fatal("Catalog returned its own table")
	}
}

func strip(s string) string {
	return strings.NewReplacer("_", "", ".", "").Replace(s)
}
