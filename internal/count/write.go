package count

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/output"
)

// WriteOptions are how Write writes a count.
type WriteOptions struct {
	Format string // output.FormatTable, output.FormatJSON or output.FormatCSV
	By     By
	// CSVRaw leaves CSV cells that a spreadsheet would run as a formula as
	// they are.
	CSVRaw bool
	// Chart draws a bar per row of a table; Width is the terminal's.
	Chart bool
	Width int
	// Location is the zone of days and hours, which a table's header names.
	Location *time.Location
}

// noneKey is how a table shows the key of events with no user, IP or
// client.
const noneKey = "(none)"

// Write writes rows. A total (ByNone) is a bare number in every format but
// CSV, which has a header. Grouped counts are, in JSON, one array of
// {"key", "count"} (key null for events with no user, IP or client); in
// CSV, a header (the grouping's name and count) and a row per key (an empty
// cell for no key); in a table, a header, a row per key with its count
// and, with Chart, a bar, and a TOTAL row. JSON and CSV never depend on
// Chart or Width.
func Write(w io.Writer, rows []Row, o WriteOptions) error {
	total := o.By == ByNone
	if total {
		n := 0
		if len(rows) > 0 {
			n = rows[0].Count
		}
		if o.Format == output.FormatCSV {
			_, err := fmt.Fprintf(w, "count\n%d\n", n)
			return err
		}
		_, err := fmt.Fprintln(w, n)
		return err
	}
	if rows == nil {
		rows = []Row{}
	}
	switch o.Format {
	case output.FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(rows)
	case output.FormatCSV:
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{string(o.By), "count"})
		for _, r := range rows {
			key := r.Key
			if !o.CSVRaw && output.NeedsFormulaGuard(key) {
				key = "'" + key
			}
			_ = cw.Write([]string{key, strconv.Itoa(r.Count)})
		}
		cw.Flush()
		return cw.Error()
	}
	return output.WriteCountTable(w, table(rows, o))
}

// table lays rows out for people: the key, and by user the user's email
// when any row has one.
func table(rows []Row, o WriteOptions) output.CountTable {
	t := output.CountTable{Columns: []string{keyHeader(rows, o)}, Chart: o.Chart, Width: o.Width}
	emails := false
	for _, r := range rows {
		emails = emails || r.Email != ""
	}
	if emails {
		t.Columns = append(t.Columns, "EMAIL")
	}
	t.Rows = make([]output.CountRow, len(rows))
	for i, r := range rows {
		key := r.Key
		if r.None {
			key = noneKey
		}
		cells := []string{key}
		if emails {
			email := r.Email
			if email == "" {
				email = "-"
			}
			cells = append(cells, email)
		}
		t.Rows[i] = output.CountRow{Cells: cells, Count: r.Count}
	}
	return t
}

// keyHeader is the header of the key column; for days and hours it names
// the zone, as of the first of them: DAY (+08).
func keyHeader(rows []Row, o WriteOptions) string {
	h := strings.ToUpper(string(o.By))
	if !o.By.timed() || o.Location == nil || len(rows) == 0 || len(rows[0].Key) < 10 {
		return h
	}
	at, err := time.ParseInLocation("2006-01-02", rows[0].Key[:10], o.Location)
	if err != nil {
		return h
	}
	return h + " (" + output.ZoneLabel(o.Location, at) + ")"
}
