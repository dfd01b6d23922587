// Package parquetfile writes audit events to Parquet files that query
// engines (DuckDB, Athena, BigQuery, Trino, Spark) read directly, and reads
// them back as the same events.
//
// One file holds rows sorted by created_at, oldest first, compressed with
// zstd, with min/max statistics per row group and per page so that engines
// skip the parts outside a time range. The columns are in row below; the
// README's "Parquet archives" section documents them for users.
package parquetfile

import (
	"time"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// row is one event as a Parquet row. Field order is column order.
//
// created_at is TIMESTAMP(MICROS, isAdjustedToUTC=true): micros, not
// nanos, because Spark and BigQuery read only millis and micros, and the
// API's times are whole seconds anyway.
//
// The columns of Event that may be empty are optional: an empty value is
// written as NULL and read back as "". The promoted fields are pointers so
// that an empty string in data stays "" and only an absent or non-string
// value is NULL.
type row struct {
	ID           string    `parquet:"id"`
	CreatedAt    time.Time `parquet:"created_at,timestamp(microsecond:utc),delta"`
	ActivityType string    `parquet:"activity_type,dict"`
	UserID       string    `parquet:"user_id,optional,dict"`
	IPAddress    string    `parquet:"ip_address,optional,dict"`
	UserAgent    string    `parquet:"user_agent,optional,dict"`
	ClientID     string    `parquet:"client_id,optional,dict"`
	TriggeredBy  *string   `parquet:"triggered_by,optional,dict"`
	Country      *string   `parquet:"country,optional,dict"`
	Recipient    *string   `parquet:"recipient,optional"`
	Data         []byte    `parquet:"data,optional,json"`
}

// The paths inside data of the promoted columns.
const (
	pathTriggeredBy = "context.triggered_by"
	pathCountry     = "context.geo_location_code"
	pathRecipient   = "payload.recipient"
)

// Column names, for readers and tests.
const (
	ColID           = "id"
	ColCreatedAt    = "created_at"
	ColActivityType = "activity_type"
	ColData         = "data"
)

// promoted holds the values of the promoted fields of the row being
// written, so that pointing at them allocates nothing.
type promoted struct{ triggeredBy, country, recipient string }

// fill sets r from e. The promoted fields are JSON strings found at their
// paths in data; anything else there (absent, null, a number, an object)
// is NULL, and data keeps the original either way. r points into p and
// into e's data: it is valid until the next fill.
func (r *row) fill(e *auditlog.Event, p *promoted) {
	*r = row{
		ID:           e.ID,
		CreatedAt:    e.CreatedAt,
		ActivityType: e.ActivityType,
		UserID:       e.UserID,
		IPAddress:    e.IPAddress,
		UserAgent:    e.UserAgent,
		ClientID:     e.ClientID,
		Data:         e.Data,
	}
	if len(e.Data) == 0 {
		return
	}
	// A string over data's bytes, not a copy: gjson then returns
	// substrings of it, and the row lives only until the writer has
	// copied it.
	data := unsafe.String(unsafe.SliceData(e.Data), len(e.Data))
	r.TriggeredBy = stringAt(data, pathTriggeredBy, &p.triggeredBy)
	r.Country = stringAt(data, pathCountry, &p.country)
	r.Recipient = stringAt(data, pathRecipient, &p.recipient)
}

// stringAt stores the JSON string at path in *dst and returns dst, or nil
// when there is none.
func stringAt(data, path string, dst *string) *string {
	v := gjson.Get(data, path)
	if v.Type != gjson.String {
		return nil
	}
	*dst = v.Str
	return dst
}

// event rebuilds the Event that r was made from.
func (r *row) event() *auditlog.Event {
	e := &auditlog.Event{
		ID:           r.ID,
		CreatedAt:    r.CreatedAt.UTC(),
		ActivityType: r.ActivityType,
		UserID:       r.UserID,
		IPAddress:    r.IPAddress,
		UserAgent:    r.UserAgent,
		ClientID:     r.ClientID,
	}
	if r.Data != nil {
		e.Data = r.Data
	}
	return e
}
