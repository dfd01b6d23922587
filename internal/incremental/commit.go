package incremental

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"gocloud.dev/blob"

	"github.com/authgear-audit/authgear-audit/internal/objstore"
)

// ConflictError says that another run committed the entry this run meant
// to commit. The archive is exact: this run's objects stay unnamed.
type ConflictError struct {
	Location string
	Key      string
	Objects  []string
}

func (e *ConflictError) Error() string {
	seq, _ := entrySeq(e.Key)
	return fmt.Sprintf("another run committed entry %d (%s) first in %s: this run's %d data objects stay unnamed and nothing reads them; "+
		"the archive is exact: the next run continues after that entry (check that runs do not overlap)",
		seq, e.Key, e.Location, len(e.Objects))
}

// CommitEntry writes entry e as the next entry of a, signed with key
// unless it is nil, by a conditional create: of two runs, exactly one
// commits. It returns the new head.
func CommitEntry(ctx context.Context, b *blob.Bucket, a *Archive, e *Entry, key ed25519.PrivateKey) (string, error) {
	raw, err := EncodeEntry(e, key)
	if err != nil {
		return "", err
	}
	k := EntryKey(e.Sequence)
	w, err := objstore.Create(ctx, b, k)
	if err != nil {
		return "", err
	}
	defer w.Abort()
	if _, err := w.Write(raw); err != nil {
		return "", err
	}
	if _, _, err := w.Commit(); err != nil {
		if objstore.IsExists(err) {
			return "", &ConflictError{Location: a.Location, Key: k}
		}
		return "", fmt.Errorf("commit %s: %w", k, objstore.Explain(a.Location, err))
	}
	return HashOf(raw), nil
}

// NextEntry is the entry of a run of rng after the archive's last.
func (a *Archive) NextEntry(runID string, now time.Time, id Identity, rng Range, objects []Object) *Entry {
	e := &Entry{
		Version: EntryVersion, Sequence: len(a.Entries) + 1, Previous: a.Head(), RunID: runID,
		CreatedAt: now.UTC().Truncate(time.Second), Endpoint: id.Endpoint, Project: id.Project, Filter: id.Filter,
		From: rng.From.UTC(), To: rng.To.UTC(), Objects: objects,
	}
	if e.Objects == nil {
		e.Objects = []Object{}
	}
	if e.Sequence == 1 && a.Legacy != nil && len(a.Legacy.Files) > 0 {
		e.Legacy = &Legacy{Key: ManifestName, Bytes: int64(len(a.LegacyRaw)), SHA256: HashOf(a.LegacyRaw),
			From: a.Legacy.Files[0].From, To: a.legacyEnd()}
	}
	return e
}
