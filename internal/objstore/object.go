package objstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"

	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
)

// Upload part sizes. A driver holds a few parts of PartSize in memory
// while it streams (S3's transfer manager pools Concurrency+1 of them,
// Azure stages blocks of that size, GCS buffers one chunk), so an upload
// costs the same memory whatever the object's size. 5 MiB is S3's
// smallest part, and an object of up to 50 GB (10,000 parts) still fits.
//
// The bound by design: an export writes one object at a time (the sink
// closes one before it opens the next), and an S3 upload of it holds at
// most (PartConcurrency+1) × PartSize = 10 MiB of parts, and the first
// part (read before the upload knows it is multipart) until that part is
// sent. One part in flight while the next fills is enough: an export
// makes a 5 MiB part in about half a second, a part goes up in a tenth of
// that to a store nearby, and a second part in flight only held another
// 5 MiB, which the collector's headroom (GOGC) doubled. benchexport
// -bucket measures what an export to a bucket costs in all.
const (
	PartSize        = 5 << 20
	PartConcurrency = 1
)

// WriterOptions are the options of every archive write: a conditional
// create (an archive never replaces an object), streamed in bounded parts.
func WriterOptions() *blob.WriterOptions {
	return &blob.WriterOptions{
		IfNotExist:     true,
		BufferSize:     PartSize,
		MaxConcurrency: PartConcurrency,
		ContentType:    "application/octet-stream",
	}
}

// Object is an archive object being written. It counts and hashes what is
// written, so the entry that names it can record its size and sha256
// without reading it back. Nothing is visible under the key until Commit.
type Object struct {
	key    string
	w      *blob.Writer
	cancel context.CancelFunc
	h      hash.Hash
	size   int64
	err    error
	done   bool
}

// Create starts writing key, streaming it in parts as it goes. The
// create is conditional: Commit fails, and IsExists says so, if the key
// exists by then.
func Create(ctx context.Context, b *blob.Bucket, key string) (*Object, error) {
	ctx, cancel := context.WithCancel(ctx)
	opts := WriterOptions()
	var client *s3.Client
	if b.As(&client) {
		opts.BeforeWrite = smallFirstPart(client)
	}
	w, err := b.NewWriter(ctx, key, opts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("create %s: %w", key, err)
	}
	return &Object{key: key, w: w, cancel: cancel, h: sha256.New()}, nil
}

// errFinished is a write after Commit or Abort.
var errFinished = errors.New("object already committed or aborted")

// Write writes p. After an error, every later Write and Commit fails with it.
func (o *Object) Write(p []byte) (int, error) {
	if o.done {
		return 0, errFinished
	}
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	o.h.Write(p[:n])
	o.size += int64(n)
	if err != nil {
		o.err = fmt.Errorf("write %s: %w", o.key, err)
		return n, o.err
	}
	return n, nil
}

// Commit finishes the object and makes it visible under its key. It
// returns the size and the hex sha256 of what was written.
func (o *Object) Commit() (size int64, sha256hex string, err error) {
	if o.done {
		return 0, "", errFinished
	}
	o.done = true
	defer o.cancel()
	if o.err != nil {
		o.cancel()
		_ = o.w.Close()
		return 0, "", o.err
	}
	if err := o.w.Close(); err != nil {
		return 0, "", fmt.Errorf("commit %s: %w", o.key, err)
	}
	return o.size, hex.EncodeToString(o.h.Sum(nil)), nil
}

// Abort drops the object: a multipart upload is aborted, a temporary file
// removed, and nothing appears under the key. Abort after Commit does
// nothing, so `defer o.Abort()` is safe.
func (o *Object) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.cancel()
	_ = o.w.Close()
}

// smallFirstPart makes an S3 upload read its first part in PartSize, as
// it reads every other part. S3's transfer manager reads up to its
// multipart threshold (16 MiB) into one growing buffer before it decides
// on a multipart upload; that buffer and its garbage were the largest
// share of an export's memory (benchexport -bucket).
func smallFirstPart(client *s3.Client) func(as func(any) bool) error {
	return func(as func(any) bool) error {
		var tm *transfermanager.Client
		if !as(&tm) {
			return nil
		}
		checksum := client.Options().RequestChecksumCalculation
		*tm = *transfermanager.New(client, func(o *transfermanager.Options) {
			o.RequestChecksumCalculation = checksum
			o.PartSizeBytes = PartSize
			o.Concurrency = PartConcurrency
			o.MultipartUploadThreshold = PartSize
		})
		return nil
	}
}
