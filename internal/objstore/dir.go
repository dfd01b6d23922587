package objstore

import (
	"os"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
)

// openDir opens a local folder as a bucket, making the folder if needed.
// Objects are plain files with no metadata sidecars, so a folder reads the
// same with or without this tool; temporary files sit beside their target
// so the final rename never crosses a file system.
func openDir(dir string) (*blob.Bucket, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return fileblob.OpenBucket(dir, &fileblob.Options{Metadata: fileblob.MetadataDontWrite, NoTempDir: true})
}
