package export

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/output"
	"github.com/authgear-audit/authgear-audit/internal/safefile"
)

// DataFile is one export file being written: events through an output
// writer into a safefile, counted, so that Commit can describe the file for
// the manifest.
type DataFile struct {
	sf     *safefile.File
	w      output.Writer
	format string
	count  int64
}

// CreateDataFile starts writing path in o.Format (gzip-compressed when path
// ends in .gz) with mode perm (0 means 0600). Nothing is visible at path
// until Commit. With digest the entry that Commit returns holds the file's
// SHA-256, which costs CPU on every byte: only a file for a manifest needs
// it.
func CreateDataFile(path string, perm os.FileMode, o output.Options, digest bool) (*DataFile, error) {
	create := safefile.Create
	if digest {
		create = safefile.CreateSummed
	}
	sf, err := create(path, perm)
	if err != nil {
		return nil, err
	}
	w, err := output.New(sf, o)
	if err != nil {
		sf.Abort()
		return nil, err
	}
	return &DataFile{sf: sf, w: w, format: o.Format}, nil
}

// Write writes one event.
func (d *DataFile) Write(e *auditlog.Event) error {
	if err := d.w.Write(e); err != nil {
		return fmt.Errorf("write %s: %w", d.sf.Path(), err)
	}
	d.count++
	return nil
}

// Commit finishes the file and puts it in place; the entry describes it for
// a manifest (name, range and createdAt are the caller's to fill).
func (d *DataFile) Commit() (incremental.ManifestFile, error) {
	if err := d.w.Close(); err != nil {
		d.sf.Abort()
		return incremental.ManifestFile{}, fmt.Errorf("write %s: %w", d.sf.Path(), err)
	}
	if err := d.sf.Commit(); err != nil {
		return incremental.ManifestFile{}, err
	}
	sum, size := d.sf.Sum()
	f := incremental.ManifestFile{
		Name:   filepath.Base(d.sf.Path()),
		Count:  d.count,
		SHA256: sum,
		Bytes:  size,
		Format: d.format,
	}
	if strings.HasSuffix(d.sf.Path(), ".gz") {
		f.Compression = "gzip"
	}
	return f, nil
}

// Abort throws the file away and leaves whatever was at its path. It is safe
// after Commit and more than once.
func (d *DataFile) Abort() { d.sf.Abort() }
