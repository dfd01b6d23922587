package codec

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/output/jsonscan"
)

// The formats a Reader reads.
const (
	FormatJSONL = "jsonl"
	FormatJSON  = "json"
	FormatCSV   = "csv"
)

const readBufSize = 64 << 10

// utf8BOM is tolerated at the start of a file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Reader reads the events of one data file: JSON lines (as written by
// export), CSV (with at least the id, createdAt and activityType columns)
// and JSON arrays, each optionally gzip-compressed, and Parquet archive
// files. It reads one event at a time, in constant memory, and never skips
// a bad record: every error names the file and the line.
type Reader struct {
	name   string
	format string
	f      io.Closer // the file or object read, closed with the reader
	gz     *gzip.Reader
	br     *bufio.Reader
	line   int    // jsonl: lines read so far
	long   []byte // jsonl: a line longer than the buffer
	csv    *csvState
	dec    *json.Decoder // json array
	elem   int           // json array: elements read so far
	pq     *parquetState
	done   bool
}

// Open opens an export for reading. The format follows the extension (.jsonl
// and .ndjson, .csv, .json, each optionally with .gz); for any other name it
// is sniffed from the content: a first '{' means JSON lines, '[' a JSON
// array, anything else CSV. Gzip is recognised by its magic bytes whatever
// the name, and Parquet by .parquet or its magic bytes. A CSV header is
// read and checked here.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open input file: %w", err)
	}
	return NewReadCloser(path, f)
}

// NewReadCloser reads an export from f as NewReader does, and closes f
// with the Reader, or at once when it cannot be read.
func NewReadCloser(name string, f io.ReadCloser) (*Reader, error) {
	r, err := newReader(name, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.f = f
	return r, nil
}

// NewReader reads an export from rd; name is used in error messages and, by
// its extension, to choose the format as Open does.
func NewReader(name string, rd io.Reader) (*Reader, error) {
	return newReader(name, rd)
}

func newReader(name string, rd io.Reader) (*Reader, error) {
	r := &Reader{name: name}
	br := bufio.NewReaderSize(rd, readBufSize)
	magic, _ := br.Peek(4)
	if isParquet(name, magic) {
		return openParquet(name, rd, br)
	}
	isGz := strings.EqualFold(filepath.Ext(name), ".gz")
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: not a readable gzip file: %w", name, err)
		}
		r.gz = gz
		br = bufio.NewReaderSize(gz, readBufSize)
	} else if isGz && len(magic) > 0 {
		return nil, fmt.Errorf("%s: not a gzip file, although its name ends in .gz", name)
	}
	r.br = br

	base := strings.ToLower(filepath.Base(name))
	if isGz {
		base = strings.TrimSuffix(base, ".gz")
	}
	switch filepath.Ext(base) {
	case ".jsonl", ".ndjson":
		r.format = FormatJSONL
	case ".csv":
		r.format = FormatCSV
	default:
		first, err := r.firstByte()
		if err != nil {
			return nil, err
		}
		switch first {
		case '{', 0: // 0: empty file, no events
			r.format = FormatJSONL
		case '[':
			r.format = FormatJSON
		default:
			if filepath.Ext(base) == ".json" {
				return nil, fmt.Errorf("%s: not a JSON array or JSON lines: it starts with %q", name, first)
			}
			r.format = FormatCSV
		}
	}
	switch r.format {
	case FormatCSV:
		if err := r.openCSV(); err != nil {
			r.closeGz()
			return nil, err
		}
	case FormatJSON:
		r.skipBOM()
		r.dec = json.NewDecoder(r.br)
		tok, err := r.dec.Token()
		if err != nil || tok != json.Delim('[') {
			r.closeGz()
			return nil, fmt.Errorf("%s: not a JSON array of events", name)
		}
	}
	return r, nil
}

// firstByte peeks at the first byte after a BOM and white space; 0 for an
// empty file.
func (r *Reader) firstByte() (byte, error) {
	for n := 64; ; n *= 2 {
		b, err := r.br.Peek(n)
		b = bytes.TrimPrefix(b, utf8BOM)
		if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 {
			return t[0], nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, nil
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				return ' ', nil // only white space in the whole buffer: let the reader decide
			}
			return 0, r.readErr(err)
		}
	}
}

func (r *Reader) skipBOM() {
	if b, _ := r.br.Peek(3); bytes.Equal(b, utf8BOM) {
		r.br.Discard(3)
	}
}

// Next returns the next event, or io.EOF after the last. Any other error
// names the file and line ("export.jsonl:42: invalid JSON: ..."); reading
// stops there.
func (r *Reader) Next() (*auditlog.Event, error) {
	if r.done {
		return nil, io.EOF
	}
	var e *auditlog.Event
	var err error
	switch r.format {
	case FormatCSV:
		e, err = r.nextCSV()
	case FormatJSON:
		e, err = r.nextJSON()
	case FormatParquet:
		e, err = r.nextParquet()
	default:
		e, err = r.nextJSONL()
	}
	if err != nil {
		r.done = true
	}
	return e, err
}

// Close closes the file.
func (r *Reader) Close() error {
	r.done = true
	r.closeGz()
	r.closeParquet()
	if r.f != nil {
		err := r.f.Close()
		r.f = nil
		return err
	}
	return nil
}

func (r *Reader) closeGz() {
	if r.gz != nil {
		r.gz.Close()
		r.gz = nil
	}
}

// readErr describes a failure to read the file itself (a truncated or
// corrupt gzip stream, an I/O error).
func (r *Reader) readErr(err error) error {
	if r.gz != nil && (errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.Is(err, io.ErrUnexpectedEOF)) {
		return fmt.Errorf("%s: corrupt or truncated gzip data: %w", r.name, err)
	}
	return fmt.Errorf("%s: read: %w", r.name, err)
}

// readLine returns the next line without its newline; io.EOF when there is
// none. The slice is valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.long = append(r.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, r.readErr(err)
	}
	if len(line) == 0 && err != nil {
		return nil, io.EOF
	}
	r.line++
	return line, nil
}

func (r *Reader) nextJSONL() (*auditlog.Event, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if r.line == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		e, err := decodeEvent(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", r.name, r.line, err)
		}
		return e, nil
	}
}

func (r *Reader) nextJSON() (*auditlog.Event, error) {
	if !r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil || tok != json.Delim(']') {
			return nil, fmt.Errorf("%s: after element %d: the JSON array is not closed properly", r.name, r.elem)
		}
		return nil, io.EOF
	}
	r.elem++
	var raw json.RawMessage
	if err := r.dec.Decode(&raw); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%s: element %d: invalid JSON: %s", r.name, r.elem, shortJSONError(err))
		}
		return nil, fmt.Errorf("%s: element %d: %w", r.name, r.elem, r.readErr(err))
	}
	e, err := decodeEvent(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: element %d: %w", r.name, r.elem, err)
	}
	return e, nil
}

// checkEvent checks the required fields and normalises the rest.
func checkEvent(e *auditlog.Event) error {
	var missing []string
	if e.ID == "" {
		missing = append(missing, "id")
	}
	if e.CreatedAt.IsZero() {
		missing = append(missing, "createdAt")
	}
	if e.ActivityType == "" {
		missing = append(missing, "activityType")
	}
	if len(missing) > 0 {
		return fmt.Errorf("invalid record: missing %s", strings.Join(missing, ", "))
	}
	e.CreatedAt = e.CreatedAt.UTC()
	if len(e.Data) == 0 {
		e.Data = json.RawMessage(`{}`)
	}
	return nil
}

// shortJSONError is a one-line reason without the package prefix.
func shortJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("%s is a JSON %s, not a %s", te.Field, te.Value, te.Type)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("createdAt %s is not an RFC 3339 time", output.Sanitize(pe.Value))
	}
	return output.Sanitize(strings.TrimPrefix(err.Error(), "json: "))
}

// csvState is the CSV side of a Reader.
type csvState struct {
	r   *csv.Reader
	idx [nCSVFields]int // column index of each field, -1 if absent
}

// The fields a CSV file can hold, by the column names of output's CSV
// writer (aliases accepted).
const (
	fID = iota
	fCreatedAt
	fActivityType
	fUserID
	fIPAddress
	fUserAgent
	fClientID
	fData
	nCSVFields
)

var csvFieldNames = [nCSVFields]string{"id", "createdAt", "activityType", "userID", "ipAddress", "userAgent", "clientID", "data"}

func (r *Reader) openCSV() error {
	r.skipBOM()
	cr := csv.NewReader(r.br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	st := &csvState{r: cr}
	for i := range st.idx {
		st.idx[i] = -1
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: empty file: a CSV export starts with a header line", r.name)
	}
	if err != nil {
		return r.csvErr(err)
	}
	for col, h := range header {
		name := normName(h)
		for f, want := range csvFieldNames {
			if name == normName(want) || isAlias(f, name) {
				if st.idx[f] < 0 {
					st.idx[f] = col
				}
			}
		}
	}
	var missing []string
	for _, f := range []int{fID, fCreatedAt, fActivityType} {
		if st.idx[f] < 0 {
			missing = append(missing, csvFieldNames[f])
		}
	}
	if len(missing) > 0 {
		line, _ := cr.FieldPos(0)
		return fmt.Errorf("%s:%d: the CSV header lacks %s: an export needs at least the columns id, createdAt and activityType",
			r.name, line, strings.Join(missing, ", "))
	}
	r.csv = st
	return nil
}

func normName(s string) string {
	return strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.TrimSpace(s)))
}

// isAlias accepts the column aliases of output's Columns option.
func isAlias(f int, name string) bool {
	switch f {
	case fCreatedAt:
		return name == "time"
	case fActivityType:
		return name == "activity" || name == "type"
	case fUserID:
		return name == "user"
	case fIPAddress:
		return name == "ip"
	case fClientID:
		return name == "client"
	}
	return false
}

func (r *Reader) csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: invalid CSV: %v", r.name, pe.Line, pe.Err)
	}
	return r.readErr(err)
}

func (r *Reader) nextCSV() (*auditlog.Event, error) {
	st := r.csv
	rec, err := st.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil {
		return nil, r.csvErr(err)
	}
	line, _ := st.r.FieldPos(0)
	cell := func(f int) string {
		i := st.idx[f]
		if i < 0 || i >= len(rec) {
			return ""
		}
		return unguard(rec[i])
	}
	e := &auditlog.Event{
		ID:           cell(fID),
		ActivityType: cell(fActivityType),
		UserID:       cell(fUserID),
		IPAddress:    cell(fIPAddress),
		UserAgent:    cell(fUserAgent),
		ClientID:     cell(fClientID),
	}
	if s := cell(fCreatedAt); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: createdAt %q is not an RFC 3339 time", r.name, line, output.Sanitize(s))
		}
		e.CreatedAt = t
	}
	if st.idx[fData] >= 0 {
		if s := cell(fData); s != "" {
			b := []byte(s)
			if _, end, ok := jsonscan.Value(b, 0); !ok || jsonscan.SkipSpace(b, end) != len(b) {
				return nil, fmt.Errorf("%s:%d: the data column is not valid JSON", r.name, line)
			}
			e.Data = b
		}
	}
	if err := checkEvent(e); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", r.name, line, err)
	}
	return e, nil
}

// unguard removes the single quote that output's CSV formula guard puts
// before a cell starting with = + - @ tab or carriage return.
func unguard(s string) string {
	if len(s) > 1 && s[0] == '\'' && output.NeedsFormulaGuard(s) {
		return s[1:]
	}
	return s
}
