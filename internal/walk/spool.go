package walk

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// The spool holds the events of a later shard until the earlier ones have
// been emitted. One record per event:
//
//	uvarint  length of the rest of the record
//	varint   createdAt, Unix seconds
//	uvarint  createdAt, nanoseconds
//	6 × (uvarint length, bytes)  ID, ActivityType, UserID, IPAddress, UserAgent, ClientID
//	uvarint  len(Data)+1 (0 for null data), then the raw Data bytes
//
// Data is kept verbatim: no JSON is parsed on either side.

// maxSpoolRecord bounds one record, so a damaged spool fails instead of
// allocating without end.
const maxSpoolRecord = 64 << 20

type spoolWriter struct {
	w   *bufio.Writer
	buf []byte
}

func newSpoolWriter(w io.Writer) *spoolWriter {
	return &spoolWriter{w: bufio.NewWriterSize(w, 256<<10)}
}

func (s *spoolWriter) write(e *auditlog.Event) error {
	s.buf = appendSpoolRecord(s.buf[:0], e)
	var head [binary.MaxVarintLen64]byte
	if _, err := s.w.Write(head[:binary.PutUvarint(head[:], uint64(len(s.buf)))]); err != nil {
		return err
	}
	_, err := s.w.Write(s.buf)
	return err
}

func (s *spoolWriter) flush() error { return s.w.Flush() }

func appendSpoolRecord(b []byte, e *auditlog.Event) []byte {
	b = binary.AppendVarint(b, e.CreatedAt.Unix())
	b = binary.AppendUvarint(b, uint64(e.CreatedAt.Nanosecond()))
	for _, s := range [...]string{e.ID, e.ActivityType, e.UserID, e.IPAddress, e.UserAgent, e.ClientID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if e.Data == nil {
		return binary.AppendUvarint(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Data))+1)
	return append(b, e.Data...)
}

type spoolReader struct {
	r *bufio.Reader
	// types interns activity types: a few hundred distinct values at most.
	types map[string]string
}

func newSpoolReader(r io.Reader) *spoolReader {
	return &spoolReader{r: bufio.NewReaderSize(r, 256<<10), types: make(map[string]string)}
}

// next returns the next event, or io.EOF after the last one.
func (s *spoolReader) next() (*auditlog.Event, error) {
	rec, err := s.read(make([]byte, 0))
	if err != nil {
		return nil, err
	}
	e, err := s.decode(rec)
	if err != nil {
		return nil, fmt.Errorf("read spool: %w", err)
	}
	return e, nil
}

// read reads one record into buf (grown as needed).
func (s *spoolReader) read(buf []byte) ([]byte, error) {
	n, err := binary.ReadUvarint(s.r)
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("read spool: %w", noEOF(err))
	}
	if n > maxSpoolRecord {
		return nil, fmt.Errorf("read spool: a record of %d bytes: the spool is damaged", n)
	}
	buf = slices.Grow(buf[:0], int(n))[:n]
	if _, err := io.ReadFull(s.r, buf); err != nil {
		return nil, fmt.Errorf("read spool: %w", noEOF(err))
	}
	return buf, nil
}

var errSpoolDamaged = errors.New("the spool is damaged")

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// decode parses one record. Data keeps pointing into rec.
func (s *spoolReader) decode(rec []byte) (*auditlog.Event, error) {
	sec, k := binary.Varint(rec)
	if k <= 0 {
		return nil, errSpoolDamaged
	}
	rec = rec[k:]
	nsec, k := binary.Uvarint(rec)
	if k <= 0 || nsec >= 1e9 {
		return nil, errSpoolDamaged
	}
	rec = rec[k:]
	var fields [6][]byte
	for i := range fields {
		l, k := binary.Uvarint(rec)
		if k <= 0 || l > uint64(len(rec)-k) {
			return nil, errSpoolDamaged
		}
		fields[i] = rec[k : k+int(l)]
		rec = rec[k+int(l):]
	}
	l, k := binary.Uvarint(rec)
	if k <= 0 || (l > 0 && l-1 != uint64(len(rec)-k)) || (l == 0 && len(rec) != k) {
		return nil, errSpoolDamaged
	}
	e := &auditlog.Event{
		ID:           string(fields[0]),
		CreatedAt:    time.Unix(sec, int64(nsec)).UTC(),
		ActivityType: s.intern(fields[1]),
		UserID:       string(fields[2]),
		IPAddress:    string(fields[3]),
		UserAgent:    string(fields[4]),
		ClientID:     string(fields[5]),
	}
	if l > 0 {
		e.Data = rec[k:len(rec):len(rec)]
	}
	return e, nil
}

func (s *spoolReader) intern(b []byte) string {
	if v, ok := s.types[string(b)]; ok {
		return v
	}
	v := string(b)
	s.types[v] = v
	return v
}
