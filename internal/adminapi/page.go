package adminapi

import (
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// MaxPageSize is the most events the API returns in one page, whatever
// `first` asks for.
const MaxPageSize = 100

// Selection is the part of a query that picks events, as the API takes it.
// From is inclusive and To exclusive; zero leaves that side open. Both are
// sent in UTC whatever their location.
type Selection struct {
	ActivityTypes  []string // enum names; empty means every type
	UserIDs        []string // User node IDs
	EmailAddresses []string // message recipients
	PhoneNumbers   []string // message recipients
	From           time.Time
	To             time.Time
}

// PageQuery asks for one page of events.
type PageQuery struct {
	Selection
	Descending bool   // newest first
	First      int    // page size; 0 means MaxPageSize
	After      string // offset cursor; "" starts at the beginning
	WithTotal  bool   // also select totalCount (a count(*) over the whole selection)
}

// Page is one answer to a PageQuery.
type Page struct {
	// Events in the order the server returned them. Edges whose node was
	// null are not here; Edges counts them, so a caller can tell a full page
	// from a short one.
	Events []auditlog.Event
	Edges  int
	// EndCursor and HasNextPage as the server sent them (EndCursor "" when
	// the page is empty or the server sent null).
	EndCursor   string
	HasNextPage bool
	// TotalCount is -1 unless WithTotal was set.
	TotalCount int
}
