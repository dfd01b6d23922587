package objstore

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Location
	}{
		{"archive", Location{Scheme: "file", Bucket: "archive"}},
		{"./a:b", Location{Scheme: "file", Bucket: "./a:b"}},
		{"/var/lib/audit", Location{Scheme: "file", Bucket: "/var/lib/audit"}},
		{`C:\audit`, Location{Scheme: "file", Bucket: `C:\audit`}},
		{"file:///var/lib/audit", Location{Scheme: "file", Bucket: "/var/lib/audit"}},
		{"file://localhost/var/x", Location{Scheme: "file", Bucket: "/var/x"}},
		{"s3://b", Location{Scheme: "s3", Bucket: "b"}},
		{"s3://b/", Location{Scheme: "s3", Bucket: "b"}},
		{"s3://b/audit/prod/", Location{Scheme: "s3", Bucket: "b", Prefix: "audit/prod"}},
		{"S3://b/p", Location{Scheme: "s3", Bucket: "b", Prefix: "p"}},
		{"s3://b/p?endpoint=http://127.0.0.1:8333&region=auto&use_path_style=true",
			Location{Scheme: "s3", Bucket: "b", Prefix: "p", Endpoint: "http://127.0.0.1:8333", Region: "auto", PathStyle: true}},
		{"s3://b?use_path_style=false", Location{Scheme: "s3", Bucket: "b"}},
		{"gs://b/p", Location{Scheme: "gs", Bucket: "b", Prefix: "p"}},
		{"azblob://c/p/q", Location{Scheme: "azblob", Bucket: "c", Prefix: "p/q"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct{ in, says string }{
		{"", "empty"},
		{"s3:/b", "not a URL or a local path"},
		{"http://example.com/x", `unknown scheme "http"`},
		{"minio://b", `unknown scheme "minio"`},
		{"s3://", "no bucket"},
		{"s3:///p", "no bucket"},
		{"gs://", "no bucket"},
		{"s3://AKIA:secret@b/p", "credentials do not belong"},
		{"s3://b/p#x", "fragment"},
		{"s3://b:9000/p", "?endpoint="},
		{"s3://b/a//c", "empty, . or .."},
		{"s3://b/a/../c", "empty, . or .."},
		{"s3://b?endpoint=127.0.0.1:8333", "want an http or https URL"},
		{"s3://b?endpoint=ftp://h", "want an http or https URL"},
		{"s3://b?endpoint=http://u:p@h", "credentials do not belong"},
		{"s3://b?region=", "region= is empty"},
		{"s3://b?use_path_style=yes", "want true or false"},
		{"s3://b?usePathStyle=true", `unknown parameter "usePathStyle"`},
		{"s3://b?s3ForcePathStyle=true", `unknown parameter "s3ForcePathStyle"`},
		{"s3://b?region=a&region=b", "given 2 times"},
		{"s3://b?a=%zz", "query"},
		{"gs://b?endpoint=http://h", "gs:// takes no query parameters"},
		{"azblob://c?localemu=true", "azblob:// takes no query parameters"},
		{"file://host/x", "three slashes"},
		{"file:///", "needs a folder"},
		{"file:///x?create_dir=1", "no query parameters"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q): no error, want one saying %q", tt.in, tt.says)
			continue
		}
		if !errors.Is(err, ErrBadLocation) {
			t.Errorf("Parse(%q): %v does not wrap ErrBadLocation", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Parse(%q) = %q, want it to say %q", tt.in, err, tt.says)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Parse(%q) error has more than one line: %q", tt.in, err)
		}
	}
}

func TestOpenRefusesBadLocationBeforeAnyIO(t *testing.T) {
	_, err := Open(context.Background(), "s3://b?bogus=1")
	if !errors.Is(err, ErrBadLocation) {
		t.Fatalf("Open: %v, want ErrBadLocation", err)
	}
}

func TestLocationString(t *testing.T) {
	l, err := Parse("s3://b/audit?endpoint=http://127.0.0.1:1&region=r")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.String(); got != "s3://b/audit" {
		t.Errorf("String() = %q", got)
	}
}

// A plain path and a file:// URL open the same folder, scoped to it.
func TestOpenLocalFolder(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "archive")
	for _, loc := range []string{dir, "file://" + dir} {
		b, err := Open(ctx, loc)
		if err != nil {
			t.Fatalf("Open(%q): %v", loc, err)
		}
		key := "manifest/" + filepath.Base(loc) + ".json"
		if err := b.WriteAll(ctx, key, []byte("{}"), nil); err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(key))); err != nil {
			t.Errorf("%s: %v", loc, err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "manifest"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".attrs") {
			t.Errorf("metadata sidecar %s written", e.Name())
		}
	}
}

// checkConditionalCreate creates key twice with IfNotExist: the second
// must fail, IsExists must say why, and the first content must survive.
func checkConditionalCreate(t *testing.T, b *blob.Bucket, key string) {
	t.Helper()
	ctx := context.Background()
	opts := &blob.WriterOptions{IfNotExist: true}
	if err := b.WriteAll(ctx, key, []byte("first"), opts); err != nil {
		t.Fatalf("first create: %v", err)
	}
	err := b.WriteAll(ctx, key, []byte("second"), opts)
	if err == nil {
		t.Fatal("second create of the same key succeeded")
	}
	if !IsExists(err) {
		t.Fatalf("IsExists(%v) = false", err)
	}
	if !IsExists(Explain("x", err)) {
		t.Errorf("IsExists does not see through Explain")
	}
	r, err := b.NewReader(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "first" {
		t.Errorf("content = %q after a refused create, want %q", got, "first")
	}
}

func TestConditionalCreateMemblob(t *testing.T) {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	checkConditionalCreate(t, b, "manifest/000001.json")
}

func TestConditionalCreateLocalFolder(t *testing.T) {
	b, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	checkConditionalCreate(t, b, "manifest/000001.json")
}

func TestIsExists(t *testing.T) {
	if IsExists(nil) {
		t.Error("IsExists(nil)")
	}
	if IsExists(errors.New("precondition failed")) {
		t.Error("IsExists of a plain error")
	}
}
