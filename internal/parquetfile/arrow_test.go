package parquetfile

// These tests read the files with a second, independent Parquet
// implementation (Apache Arrow's), so that a bug shared by our writer and
// our reader cannot hide: what they check is what query engines see.

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	arrowparquet "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
	"github.com/tidwall/gjson"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// wantColumn is what a column must look like to an engine.
type wantColumn struct {
	name     string
	physical arrowparquet.Type
	logical  schema.LogicalType
	optional bool
}

var wantSchema = []wantColumn{
	{"id", arrowparquet.Types.ByteArray, schema.StringLogicalType{}, false},
	{"created_at", arrowparquet.Types.Int64, schema.NewTimestampLogicalType(true, schema.TimeUnitMicros), false},
	{"activity_type", arrowparquet.Types.ByteArray, schema.StringLogicalType{}, false},
	{"user_id", arrowparquet.Types.ByteArray, schema.StringLogicalType{}, true},
	{"ip_address", arrowparquet.Types.ByteArray, schema.StringLogicalType{}, true},
	{"user_agent", arrowparquet.Types.ByteArray, schema.StringLogicalType{}, true},
	{"client_id", arrowparquet.Types.ByteArray, schema.StringLogicalType{}, true},
	{"triggered_by", arrowparquet.Types.ByteArray, schema.StringLogicalType{}, true},
	{"country", arrowparquet.Types.ByteArray, schema.StringLogicalType{}, true},
	{"recipient", arrowparquet.Types.ByteArray, schema.StringLogicalType{}, true},
	{"data", arrowparquet.Types.ByteArray, schema.JSONLogicalType{}, true},
}

func openArrow(t *testing.T, f []byte) *file.Reader {
	t.Helper()
	r, err := file.NewParquetReader(bytes.NewReader(f))
	if err != nil {
		t.Fatalf("Arrow cannot open the file: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestArrowSchema(t *testing.T) {
	r := openArrow(t, encode(t, generated(t, 100), RowGroupBytes))
	s := r.MetaData().Schema
	if s.NumColumns() != len(wantSchema) {
		t.Fatalf("%d columns, want %d", s.NumColumns(), len(wantSchema))
	}
	for i, want := range wantSchema {
		c := s.Column(i)
		if c.Name() != want.name {
			t.Errorf("column %d is %s, want %s", i, c.Name(), want.name)
			continue
		}
		if c.PhysicalType() != want.physical {
			t.Errorf("%s: physical type %s, want %s", want.name, c.PhysicalType(), want.physical)
		}
		if !c.LogicalType().Equals(want.logical) {
			t.Errorf("%s: logical type %s, want %s", want.name, c.LogicalType(), want.logical)
		}
		if ts, ok := c.LogicalType().(*schema.TimestampLogicalType); ok && !ts.IsAdjustedToUTC() {
			t.Errorf("%s: not adjusted to UTC", want.name)
		}
		rep := c.SchemaNode().RepetitionType()
		if want.optional && rep != arrowparquet.Repetitions.Optional || !want.optional && rep != arrowparquet.Repetitions.Required {
			t.Errorf("%s: repetition %s, optional %v wanted", want.name, rep, want.optional)
		}
	}
}

// TestArrowRowGroups checks, for a file of many row groups, the row count
// of each, zstd on every column chunk, created_at's min/max against the
// events that went into the group, and the sorting column.
func TestArrowRowGroups(t *testing.T) {
	events := generated(t, 3000)
	r := openArrow(t, encode(t, events, 256<<10))
	md := r.MetaData()
	if md.NumRows != int64(len(events)) {
		t.Fatalf("%d rows, want %d", md.NumRows, len(events))
	}
	if r.NumRowGroups() < 3 {
		t.Fatalf("%d row groups, want several", r.NumRowGroups())
	}
	tsCol := md.Schema.ColumnIndexByName(ColCreatedAt)
	first := 0
	for g := range r.NumRowGroups() {
		rg := md.RowGroup(g)
		n := int(rg.NumRows())
		if n == 0 || first+n > len(events) {
			t.Fatalf("row group %d holds %d rows after %d of %d", g, n, first, len(events))
		}
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			if cc.Compression() != compress.Codecs.Zstd {
				t.Errorf("row group %d, column %s: compression %s, want zstd", g, cc.PathInSchema(), cc.Compression())
			}
		}
		cc, err := rg.ColumnChunk(tsCol)
		if err != nil {
			t.Fatal(err)
		}
		st, err := cc.Statistics()
		if err != nil || st == nil || !st.HasMinMax() {
			t.Fatalf("row group %d: no min/max on created_at (%v)", g, err)
		}
		ist := st.(*metadata.Int64Statistics)
		wantMin, wantMax := events[first].CreatedAt.UnixMicro(), events[first+n-1].CreatedAt.UnixMicro()
		if ist.Min() != wantMin || ist.Max() != wantMax {
			t.Errorf("row group %d: created_at min/max %d/%d, want %d/%d", g, ist.Min(), ist.Max(), wantMin, wantMax)
		}
		sc := rg.SortingColumns()
		if len(sc) != 1 || int(sc[0].ColumnIdx) != tsCol || sc[0].Descending {
			t.Errorf("row group %d: sorting columns %+v, want created_at ascending", g, sc)
		}
		first += n
	}
	if first != len(events) {
		t.Errorf("row groups hold %d rows, want %d", first, len(events))
	}
}

// TestArrowValues reads every value back with Arrow and compares it with
// the events, promoted fields included.
func TestArrowValues(t *testing.T) {
	events := generated(t, 1500)
	events = append(events, edgeEvents()[:0]...)
	for _, e := range edgeEvents()[:9] {
		e.CreatedAt = events[len(events)-1].CreatedAt.Add(time.Second)
		events = append(events, e)
	}
	f := encode(t, events, 256<<10)
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(f), arrowparquet.NewReaderProperties(memory.DefaultAllocator),
		pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("Arrow cannot read the rows: %v", err)
	}
	defer tbl.Release()
	if tbl.NumRows() != int64(len(events)) {
		t.Fatalf("%d rows, want %d", tbl.NumRows(), len(events))
	}
	want := func(e *auditlog.Event, col string) (string, bool) {
		opt := func(s string) (string, bool) { return s, s != "" }
		promoted := func(path string) (string, bool) {
			v := gjson.GetBytes(e.Data, path)
			return v.Str, v.Type == gjson.String
		}
		switch col {
		case "id":
			return e.ID, true
		case "activity_type":
			return e.ActivityType, true
		case "user_id":
			return opt(e.UserID)
		case "ip_address":
			return opt(e.IPAddress)
		case "user_agent":
			return opt(e.UserAgent)
		case "client_id":
			return opt(e.ClientID)
		case "triggered_by":
			return promoted(pathTriggeredBy)
		case "country":
			return promoted(pathCountry)
		case "recipient":
			return promoted(pathRecipient)
		case "data":
			return string(e.Data), e.Data != nil
		}
		t.Fatalf("no expectation for column %s", col)
		return "", false
	}
	for ci, field := range tbl.Schema().Fields() {
		col := tbl.Column(ci).Data()
		row := 0
		for _, chunk := range col.Chunks() {
			for i := range chunk.Len() {
				e := &events[row]
				row++
				if field.Name == ColCreatedAt {
					ts, ok := chunk.(*array.Timestamp)
					if !ok {
						t.Fatalf("created_at reads as %s, not a timestamp", chunk.DataType())
					}
					tt := ts.DataType().(*arrow.TimestampType)
					if tt.Unit != arrow.Microsecond || tt.TimeZone != "UTC" {
						t.Fatalf("created_at reads as %s, want timestamp[us, tz=UTC]", tt)
					}
					if got := ts.Value(i).ToTime(arrow.Microsecond); !got.Equal(e.CreatedAt) {
						t.Fatalf("row %d: created_at %s, want %s", row-1, got, e.CreatedAt)
					}
					continue
				}
				got, ok := stringValue(t, chunk, i)
				exp, expOK := want(e, field.Name)
				if ok != expOK || got != exp {
					t.Fatalf("row %d (%s): %s = %q (set %v), want %q (set %v)", row-1, e.ID, field.Name, trim(got), ok, trim(exp), expOK)
				}
			}
		}
		if row != len(events) {
			t.Fatalf("%s: %d values, want %d", field.Name, row, len(events))
		}
	}
}

// stringValue reads a text value of a string column, or of the JSON
// extension type Arrow gives the JSON logical type; false for NULL.
func stringValue(t *testing.T, a arrow.Array, i int) (string, bool) {
	t.Helper()
	if a.IsNull(i) {
		return "", false
	}
	if ext, ok := a.(array.ExtensionArray); ok {
		a = ext.Storage()
	}
	switch s := a.(type) {
	case *array.String:
		return s.Value(i), true
	case *array.LargeString:
		return s.Value(i), true
	case *array.Binary:
		return string(s.Value(i)), true
	}
	t.Fatalf("a text column reads as %s", a.DataType())
	return "", false
}

func trim(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
