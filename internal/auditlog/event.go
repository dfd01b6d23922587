// Package auditlog holds what authgear-audit knows about audit events
// independently of where they come from: the Event record it emits, the
// catalog of activity types, and the Filter with the parsers for its flags.
package auditlog

import (
	"encoding/json"
	"time"
)

// Event is the record authgear-audit emits: one JSON line of a jsonl export,
// one element of a json array, one CSV row.
//
// ID is the raw event ID (not the node ID). UserID comes from
// data.context.user_id, because the API's user field is null for deleted
// users. IPAddress, UserAgent and ClientID are empty when the API sent "" or
// null, and are then left out of JSON. Data is the event object verbatim.
type Event struct {
	ID           string          `json:"id"`
	CreatedAt    time.Time       `json:"createdAt"`
	ActivityType string          `json:"activityType"`
	UserID       string          `json:"userID,omitempty"`
	IPAddress    string          `json:"ipAddress,omitempty"`
	UserAgent    string          `json:"userAgent,omitempty"`
	ClientID     string          `json:"clientID,omitempty"`
	Data         json.RawMessage `json:"data"`
}
