package objstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/authgear-audit/authgear-audit/internal/safefile"
	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// A local folder is a bucket of plain files. It is not gocloud's fileblob
// because fileblob's conditional create is a check-then-rename under a
// lock inside one process: two runs in two processes could both pass the
// check, and the second would replace the first's entry. Here a
// conditional create is a hard link, which the kernel refuses when the
// name is taken, whichever process holds it. Objects are plain files with
// no metadata sidecars, so an archive folder reads the same with or
// without this tool, and a folder that does not exist yet is made on the
// first write, so reading a missing folder creates nothing.

// A file still being written has a temporary name of the safefile kind
// (".NAME.tmp-RANDOM"). Listings skip such names and keys may not take
// one, so a killed write is never read as an object.

// errTaken is the refusal of a conditional create.
var errTaken = errors.New("object already exists")

// errBadKey is a key that cannot name a file here.
var errBadKey = errors.New("key cannot name a file")

func openDir(dir string) (*blob.Bucket, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	return blob.NewBucket(&dirBucket{root: abs}), nil
}

type dirBucket struct{ root string }

// path maps a key to its file, refusing keys that would leave the root or
// collide with a temporary name.
func (d *dirBucket) path(key string) (string, error) {
	if key == "" || strings.ContainsRune(key, 0) || strings.Contains(key, `\`) {
		return "", fmt.Errorf("%w: %q", errBadKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || safefile.IsTemp(seg) {
			return "", fmt.Errorf("%w: %q", errBadKey, key)
		}
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

func (d *dirBucket) ErrorCode(err error) gcerrors.ErrorCode {
	switch {
	case errors.Is(err, errTaken):
		return gcerrors.FailedPrecondition
	case errors.Is(err, errBadKey):
		return gcerrors.InvalidArgument
	case errors.Is(err, fs.ErrNotExist):
		return gcerrors.NotFound
	case errors.Is(err, fs.ErrPermission):
		return gcerrors.PermissionDenied
	case errors.Is(err, errors.ErrUnsupported):
		return gcerrors.Unimplemented
	}
	return gcerrors.Unknown
}

func (d *dirBucket) As(any) bool { return false }

func (d *dirBucket) ErrorAs(err error, target any) bool { return errors.As(err, target) }

func (d *dirBucket) Close() error { return nil }

func (d *dirBucket) Attributes(_ context.Context, key string) (*driver.Attributes, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrNotExist}
	}
	return &driver.Attributes{
		Size:    fi.Size(),
		ModTime: fi.ModTime(),
		ETag:    fmt.Sprintf(`"%x-%x"`, fi.ModTime().UnixNano(), fi.Size()),
	}, nil
}

// ListPaged lists in key order. It walks only the folder the prefix
// names, and sorts what it finds: walking order is not key order ("a-b"
// sorts before "a/b").
func (d *dirBucket) ListPaged(_ context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	start := d.root
	if i := strings.LastIndex(opts.Prefix, "/"); i >= 0 {
		start = filepath.Join(d.root, filepath.FromSlash(opts.Prefix[:i]))
	}
	var objs []*driver.ListObject
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.IsDir() || safefile.IsTemp(e.Name()) {
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, opts.Prefix) {
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed since the folder was read
			}
			return err
		}
		objs = append(objs, &driver.ListObject{Key: key, ModTime: fi.ModTime(), Size: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	if opts.Delimiter != "" {
		objs = collapse(objs, opts.Prefix, opts.Delimiter)
	}
	after := string(opts.PageToken)
	i := sort.Search(len(objs), func(i int) bool { return objs[i].Key > after })
	objs = objs[i:]
	page := &driver.ListPage{}
	size := opts.PageSize
	if size <= 0 {
		size = 1000
	}
	if len(objs) > size {
		objs = objs[:size]
		page.NextPageToken = []byte(objs[size-1].Key)
	}
	page.Objects = objs
	return page, nil
}

// collapse turns the keys that have the delimiter after the prefix into
// one directory entry each ("a/b/c" under "a/" with "/" is "a/b/").
func collapse(objs []*driver.ListObject, prefix, delim string) []*driver.ListObject {
	out := objs[:0]
	for _, o := range objs {
		rest := o.Key[len(prefix):]
		i := strings.Index(rest, delim)
		if i < 0 {
			out = append(out, o)
			continue
		}
		dir := prefix + rest[:i+len(delim)]
		if n := len(out); n > 0 && out[n-1].IsDir && out[n-1].Key == dir {
			continue
		}
		out = append(out, &driver.ListObject{Key: dir, IsDir: true})
	}
	return out
}

func (d *dirBucket) NewRangeReader(_ context.Context, key string, offset, length int64, _ *driver.ReaderOptions) (driver.Reader, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if fi.IsDir() {
		_ = f.Close()
		return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrNotExist}
	}
	if length < 0 {
		length = fi.Size() - offset
	}
	return &dirReader{
		r:     io.NewSectionReader(f, offset, max(length, 0)),
		f:     f,
		attrs: driver.ReaderAttributes{ModTime: fi.ModTime(), Size: fi.Size()},
	}, nil
}

type dirReader struct {
	r     io.Reader
	f     *os.File
	attrs driver.ReaderAttributes
}

func (r *dirReader) Read(p []byte) (int, error)           { return r.r.Read(p) }
func (r *dirReader) Close() error                         { return r.f.Close() }
func (r *dirReader) Attributes() *driver.ReaderAttributes { return &r.attrs }
func (r *dirReader) As(any) bool                          { return false }
func (d *dirBucket) SignedURL(context.Context, string, *driver.SignedURLOptions) (string, error) {
	return "", fmt.Errorf("signed URLs of a local folder: %w", errors.ErrUnsupported)
}

// NewTypedWriter writes to a temporary file beside the target, so the
// final rename or link never crosses a file system.
func (d *dirBucket) NewTypedWriter(ctx context.Context, key, _ string, opts *driver.WriterOptions) (driver.Writer, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	var r [8]byte
	_, _ = rand.Read(r[:])
	tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".tmp-"+hex.EncodeToString(r[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	return &dirWriter{ctx: ctx, f: f, path: p, exclusive: opts.IfNotExist}, nil
}

type dirWriter struct {
	ctx       context.Context
	f         *os.File
	path      string
	exclusive bool
}

func (w *dirWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

// Close makes the file durable, then gives it its name: a link for a
// conditional create (refused if the name is taken), else a rename.
func (w *dirWriter) Close() error {
	tmp := w.f.Name()
	defer func() { _ = os.Remove(tmp) }()
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if w.exclusive {
		if err := os.Link(tmp, w.path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%w: %s", errTaken, w.path)
			}
			return err
		}
	} else if err := os.Rename(tmp, w.path); err != nil {
		return err
	}
	return safefile.SyncDir(filepath.Dir(w.path))
}

func (d *dirBucket) Copy(ctx context.Context, dstKey, srcKey string, _ *driver.CopyOptions) error {
	r, err := d.NewRangeReader(ctx, srcKey, 0, -1, nil)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := d.NewTypedWriter(ctx, dstKey, "", &driver.WriterOptions{})
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		w.(*dirWriter).ctx = cctx
		_ = w.Close()
		return err
	}
	return w.Close()
}

func (d *dirBucket) Delete(_ context.Context, key string, _ *driver.DeleteOptions) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return &fs.PathError{Op: "remove", Path: p, Err: fs.ErrNotExist}
	}
	return os.Remove(p)
}
