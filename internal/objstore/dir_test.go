package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"
)

func openTestDir(t *testing.T, dir string) *blob.Bucket {
	t.Helper()
	b, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

type listed struct {
	Key   string
	Size  int64
	IsDir bool
}

func listAll(t *testing.T, b *blob.Bucket, prefix, delim string, pageSize int) []listed {
	t.Helper()
	var out []listed
	token := blob.FirstPageToken
	for {
		objs, next, err := b.ListPage(context.Background(), token, pageSize, &blob.ListOptions{Prefix: prefix, Delimiter: delim})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			out = append(out, listed{o.Key, o.Size, o.IsDir})
		}
		if next == nil {
			return out
		}
		token = next
	}
}

// A folder lists exactly as gocloud's in-memory bucket does: the same keys
// in the same order, the same directories, page by page.
func TestDirListsLikeMemblob(t *testing.T) {
	ctx := context.Background()
	dir := openTestDir(t, t.TempDir())
	mem := memblob.OpenBucket(nil)
	defer mem.Close()
	keys := []string{"a-b", "a/b", "a/b/c", "a/c", "a.x/y", "b/000001.json", "b/000002.json",
		"b/data/r1.jsonl.gz", "b/data/r2.jsonl.gz", "manifest/000001.json", "z"}
	for i, k := range keys {
		data := []byte(fmt.Sprintf("%0*d", i+1, 0))
		if k == "a/b" {
			continue // a file and a folder cannot share a name on disk
		}
		for _, b := range []*blob.Bucket{dir, mem} {
			if err := b.WriteAll(ctx, k, data, nil); err != nil {
				t.Fatalf("write %s: %v", k, err)
			}
		}
	}
	for _, prefix := range []string{"", "a", "a/", "b/", "b/0", "b/data/", "m", "nothing/"} {
		for _, delim := range []string{"", "/"} {
			for _, size := range []int{1, 2, 1000} {
				got := listAll(t, dir, prefix, delim, size)
				want := listAll(t, mem, prefix, delim, size)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("list prefix %q delim %q page %d:\n got %v\nwant %v", prefix, delim, size, got, want)
				}
			}
		}
	}
}

// Of many writers racing to create one key, exactly one wins and the
// others learn that the key is taken; no writer replaces the winner.
func TestDirConditionalCreateRace(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// each writer opens the folder itself, as a separate run would
			b, err := Open(ctx, root)
			if err != nil {
				errs[i] = err
				return
			}
			defer b.Close()
			errs[i] = b.WriteAll(ctx, "manifest/000007.json", []byte(fmt.Sprint(i)), &blob.WriterOptions{IfNotExist: true})
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("writers %d and %d both created the key", winner, i)
			}
			winner = i
		case !IsExists(err):
			t.Errorf("writer %d: %v, want a refusal that IsExists recognises", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer created the key")
	}
	got, err := os.ReadFile(filepath.Join(root, "manifest", "000007.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != fmt.Sprint(winner) {
		t.Errorf("content %q, want the winner's %d", got, winner)
	}
	left, _ := filepath.Glob(filepath.Join(root, "manifest", ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A write that never closes, or whose context ends, leaves no object.
func TestDirUnfinishedWriteIsNoObject(t *testing.T) {
	root := t.TempDir()
	b := openTestDir(t, root)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := b.NewWriter(ctx, "data/r1.jsonl", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	// still open: a killed run stops here
	if got := listAll(t, b, "", "", 100); len(got) != 0 {
		t.Errorf("an open write lists as %v", got)
	}
	cancel()
	if err := w.Close(); err == nil {
		t.Error("Close after the context ended succeeded")
	}
	if ok, _ := b.Exists(context.Background(), "data/r1.jsonl"); ok {
		t.Error("a cancelled write became an object")
	}
	left, _ := filepath.Glob(filepath.Join(root, "data", "*"))
	left2, _ := filepath.Glob(filepath.Join(root, "data", ".*"))
	if len(left)+len(left2) > 0 {
		t.Errorf("files left: %v %v", left, left2)
	}
}

// Reading a folder that does not exist finds nothing and makes nothing.
func TestDirMissingFolder(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "not", "yet")
	b := openTestDir(t, root)
	if got := listAll(t, b, "", "", 10); len(got) != 0 {
		t.Errorf("list of a missing folder: %v", got)
	}
	_, err := b.NewReader(ctx, "manifest/000001.json", nil)
	if gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("read: %v, want NotFound", err)
	}
	if _, err := os.Stat(root); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("reading made the folder: %v", err)
	}
	if err := b.WriteAll(ctx, "manifest/000001.json", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "manifest", "000001.json")); err != nil {
		t.Error(err)
	}
}

func TestDirOpenRefusesAFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), f); err == nil {
		t.Error("Open of a file succeeded")
	}
}

func TestDirRefusesKeysOutsideTheFolder(t *testing.T) {
	ctx := context.Background()
	b := openTestDir(t, t.TempDir())
	for _, k := range []string{"../x", "a/../../x", "a//b", "/abs", "a/./b", `a\b`, "a/.b.tmp-123", "a\x00b"} {
		err := b.WriteAll(ctx, k, []byte("x"), nil)
		if gcerrors.Code(err) != gcerrors.InvalidArgument {
			t.Errorf("write %q: %v, want InvalidArgument", k, err)
		}
	}
}

func TestDirRangeReadAndDelete(t *testing.T) {
	ctx := context.Background()
	b := openTestDir(t, t.TempDir())
	if err := b.WriteAll(ctx, "k", []byte("0123456789"), nil); err != nil {
		t.Fatal(err)
	}
	r, err := b.NewRangeReader(ctx, "k", 3, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "3456" {
		t.Errorf("range 3+4 = %q", got)
	}
	if r.Size() != 10 {
		t.Errorf("Size = %d", r.Size())
	}
	a, err := b.Attributes(ctx, "k")
	if err != nil || a.Size != 10 {
		t.Errorf("Attributes = %+v, %v", a, err)
	}
	if err := b.Copy(ctx, "k2", "k", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "k"); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("second delete: %v, want NotFound", err)
	}
	if got, err := b.ReadAll(ctx, "k2"); err != nil || string(got) != "0123456789" {
		t.Errorf("copy = %q, %v", got, err)
	}
}
