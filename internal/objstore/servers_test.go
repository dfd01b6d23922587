package objstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/authgear-audit/authgear-audit/internal/objstore/objstoretest"
	"gocloud.dev/blob"
)

// Every backend, against a real server speaking its wire protocol: the
// location opens scoped to its prefix, a second conditional create of a
// key is refused (for a small object and for one streamed in several
// parts), an aborted object leaves nothing, and a missing bucket is one
// line naming it.
func TestServers(t *testing.T) {
	for _, be := range objstoretest.Backends {
		t.Run(be.Name, func(t *testing.T) {
			srv := be.Start(t)
			ctx := context.Background()
			bucket := srv.NewBucket(t)
			loc := srv.Location(bucket, "audit/prod")
			b, err := Open(ctx, loc)
			if err != nil {
				t.Fatalf("Open(%s): %v", loc, err)
			}
			defer b.Close()

			t.Run("conditional create", func(t *testing.T) {
				checkConditionalCreate(t, b, "manifest/000001.json")
			})
			t.Run("scoped to the prefix", func(t *testing.T) {
				if err := b.WriteAll(ctx, "data/scoped", []byte("x"), nil); err != nil {
					t.Fatal(err)
				}
				root, err := Open(ctx, srv.Location(bucket, ""))
				if err != nil {
					t.Fatal(err)
				}
				defer root.Close()
				if ok, err := root.Exists(ctx, "audit/prod/data/scoped"); !ok || err != nil {
					t.Errorf("audit/prod/data/scoped not in the bucket: %v", err)
				}
			})
			t.Run("streamed in parts", func(t *testing.T) {
				// gofakes3 v1.2.0 honours If-None-Match on PutObject
				// but not on CompleteMultipartUpload, which AWS S3,
				// SeaweedFS, GCS and Azure all honour.
				testStreamedObject(t, b, be.Name != "gofakes3")
			})
			t.Run("abort leaves nothing", func(t *testing.T) {
				o, err := Create(ctx, b, "data/aborted")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := o.Write(bytes.Repeat([]byte("a"), PartSize+1)); err != nil {
					t.Fatal(err)
				}
				o.Abort()
				if ok, err := b.Exists(ctx, "data/aborted"); ok || err != nil {
					t.Errorf("an aborted object exists (%v)", err)
				}
			})
			if srv.BreakCredentials != nil {
				t.Run("refused credentials", func(t *testing.T) {
					srv.BreakCredentials(t)
					_, err := Open(ctx, loc)
					if err == nil {
						t.Fatal("Open with refused credentials succeeded")
					}
					msg := err.Error()
					if !strings.HasPrefix(msg, srv.Location(bucket, "audit/prod")[:len(srv.Scheme)+3+len(bucket)]) ||
						!strings.Contains(msg, "access denied (") || strings.Contains(msg, "\n") {
						t.Errorf("error = %q, want one line naming the bucket that says access denied (CODE)", msg)
					}
					t.Log(msg)
				})
			}
			if srv.Scheme != "file" {
				t.Run("missing bucket", func(t *testing.T) {
					missing := srv.Location("no-such-bucket", "audit")
					_, err := Open(ctx, missing)
					if err == nil {
						t.Fatal("Open of a missing bucket succeeded")
					}
					msg := err.Error()
					want := srv.Scheme + "://no-such-bucket/audit: "
					if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "does not exist") || strings.Contains(msg, "\n") {
						t.Errorf("error = %q, want one line starting %q that says the bucket does not exist", msg, want)
					}
					t.Log(msg)
				})
			}
		})
	}
}

// testStreamedObject writes an object of three parts through Create and
// checks that Commit's size and sha256 are those of what the bucket
// holds, and, where the server honours a condition on a multipart upload,
// that a second Create of the key fails at Commit.
func testStreamedObject(t *testing.T, b *blob.Bucket, conditionalParts bool) {
	ctx := context.Background()
	data := make([]byte, 2*PartSize+12345)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	write := func() (int64, string, error) {
		o, err := Create(ctx, b, "data/big.jsonl.gz")
		if err != nil {
			return 0, "", err
		}
		defer o.Abort()
		for p := data; len(p) > 0; {
			n := min(len(p), 64<<10)
			if _, err := o.Write(p[:n]); err != nil {
				return 0, "", err
			}
			p = p[n:]
		}
		return o.Commit()
	}
	size, sum, err := write()
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	if size != int64(len(data)) || sum != hex.EncodeToString(want[:]) {
		t.Errorf("Commit = %d, %s; want %d, %x", size, sum, len(data), want)
	}
	rd, err := b.NewReader(ctx, "data/big.jsonl.gz", nil)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	n, err := io.Copy(h, rd)
	rd.Close()
	if err != nil || n != int64(len(data)) || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Errorf("read back %d bytes (%v), sha256 %x; want %d, %x", n, err, h.Sum(nil), len(data), want)
	}
	if !conditionalParts {
		return
	}
	if _, _, err := write(); !IsExists(err) {
		t.Errorf("second streamed create: %v, want a refusal that IsExists recognises", err)
	}
}

func TestObjectWriteAfterCommit(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	o, err := Create(ctx, b, "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Write([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	size, sum, err := o.Commit()
	if err != nil || size != 3 || sum != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("Commit = %d, %s, %v", size, sum, err)
	}
	o.Abort() // after Commit: nothing
	if _, err := o.Write([]byte("x")); !errors.Is(err, errFinished) {
		t.Errorf("Write after Commit: %v", err)
	}
	if _, _, err := o.Commit(); !errors.Is(err, errFinished) {
		t.Errorf("second Commit: %v", err)
	}
	if got, _ := b.ReadAll(ctx, "k"); string(got) != "abc" {
		t.Errorf("content %q", got)
	}
}
