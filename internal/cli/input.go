package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"gocloud.dev/blob"

	"github.com/authgear-audit/authgear-audit/internal/incremental"
	"github.com/authgear-audit/authgear-audit/internal/objstore"
	"github.com/authgear-audit/authgear-audit/internal/readback"
)

// openLocation opens an archive location (a folder or a bucket's URL) as a
// bucket scoped to it. A location that names no bucket is bad usage.
func openLocation(ctx context.Context, location string) (*blob.Bucket, error) {
	b, err := objstore.Open(ctx, location)
	if errors.Is(err, objstore.ErrBadLocation) {
		return nil, usageError(err)
	}
	return b, err
}

// inputs checks the --input values of search, count and verify and
// expands them (readback.Expand): "-" is stdin, a folder is its export
// files, an archive (a bucket's URL, or a folder with entries) the data
// objects its entries name, in time order, each read as a stream when its
// turn comes. A missing file, stdin named twice and a folder without export
// files are bad usage, found before anything is written; a damaged
// archive is a failure.
func inputs(ctx context.Context, stdin io.Reader, values []string) ([]readback.Input, error) {
	stdins := 0
	for _, v := range values {
		switch {
		case v == readback.Stdin:
			if stdins++; stdins > 1 {
				return nil, usageError(errors.New("--input - is given twice: standard input can be read only once"))
			}
		case isArchive(v):
		default:
			if _, err := checkInput(v); err != nil {
				return nil, err
			}
		}
	}
	var ins []readback.Input
	for _, v := range values {
		if v != readback.Stdin && isArchive(v) {
			objs, err := archiveInputs(ctx, v)
			if err != nil {
				return nil, err
			}
			ins = append(ins, objs...)
			continue
		}
		more, err := readback.Expand([]string{v}, stdin)
		if errors.Is(err, readback.ErrNoExportFiles) {
			return nil, usageError(fmt.Errorf("--input %w", err))
		}
		if err != nil {
			return nil, err
		}
		ins = append(ins, more...)
	}
	return ins, nil
}

// archiveInputs opens an archive and lists its data objects as inputs.
// The bucket stays open until the command's context ends.
func archiveInputs(ctx context.Context, location string) ([]readback.Input, error) {
	b, err := openLocation(ctx, location)
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, func() { b.Close() })
	arch, err := incremental.ReadArchive(ctx, b, location)
	if err != nil {
		return nil, err
	}
	if err := arch.Problem(); err != nil {
		return nil, err
	}
	return arch.Inputs(ctx, b), nil
}

// checkInput refuses an --input that is not there: bad usage, the same in
// search, count and verify.
func checkInput(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usageError(fmt.Errorf("--input %s: no such file or folder", path))
	case err != nil:
		return nil, usageError(fmt.Errorf("--input: %w", err))
	}
	return fi, nil
}

// inputNames is how a report names the inputs: their values, stdin for -.
func inputNames(values []string) string {
	s := ""
	for i, v := range values {
		if i > 0 {
			s += ", "
		}
		if v == readback.Stdin {
			v = "stdin"
		}
		s += v
	}
	return s
}
