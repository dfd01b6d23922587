package adminapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapi"
	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// TestCounts: many counts go out as aliases of one request (or of a few,
// past the cap on aliases), each with its own filter, and come back in
// order.
func TestCounts(t *testing.T) {
	srv := generated(t, 3000)
	h := newHarness(t, srv, nil)
	some := srv.Events()[17]
	var sels []adminapi.Selection
	for hour := range 48 {
		from := genStart.Add(time.Duration(hour) * time.Hour)
		sels = append(sels, adminapi.Selection{From: from, To: from.Add(time.Hour)})
	}
	for _, a := range auditlog.Catalog()[:20] {
		sels = append(sels, adminapi.Selection{ActivityTypes: []string{a.Enum}, From: genStart})
	}
	sels = append(sels,
		adminapi.Selection{},
		adminapi.Selection{UserIDs: []string{auditlog.UserNodeIDOf(some.UserID)}, EmailAddresses: []string{"nobody@example.com"}, PhoneNumbers: []string{"+85200000000"}},
		adminapi.Selection{ActivityTypes: []string{"USER_AUTHENTICATED", "EMAIL_SENT"}, To: genStart.Add(24 * time.Hour)},
	)
	before := srv.Stats().Requests
	got, err := h.client.Counts(context.Background(), sels)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Requests - before; n != int64(adminapi.CountRequests(len(sels))) || n != 2 {
		t.Errorf("%d counts took %d requests, want 2", len(sels), n)
	}
	nonZero := 0
	for i, sel := range sels {
		if want := len(srv.Select(sel)); got[i] != want {
			t.Errorf("count %d (%+v) = %d, want %d", i, sel, got[i], want)
		}
		if got[i] > 0 {
			nonZero++
		}
	}
	if nonZero < len(sels)/2 {
		t.Errorf("only %d of %d counts are above zero: the test proves little", nonZero, len(sels))
	}
	if got, err := h.client.Counts(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("Counts(nil) = %v, %v", got, err)
	}
}
