// Package objstoretest runs real object-storage servers for tests: gofakes3
// (S3) and fake-gcs-server (GCS) in process, and SeaweedFS (S3) and
// Azurite (Azure) as programs that scripts/test-servers installs. Each
// server is stopped by the test that started it, and each sets the
// environment variables the clouds' credential chains read, so the code
// under test opens it exactly as it would open the real cloud.
package objstoretest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server is a running object store.
type Server struct {
	// Name names the server in test names: gofakes3, fake-gcs, seaweedfs,
	// azurite, folder.
	Name string
	// Scheme is the location's scheme: s3, gs, azblob or file.
	Scheme string
	// BreakCredentials, where the server checks credentials, replaces
	// them in the environment with ones it refuses (nil elsewhere).
	BreakCredentials func(t testing.TB)
	query            string
	makeBkt          func(t testing.TB, name string)
	n                atomic.Int64
	folderDir        string
}

// Location is the location of prefix in bucket, as a user would write
// it. The bucket need not exist.
func (s *Server) Location(bucket, prefix string) string {
	if s.Scheme == "file" {
		return filepath.Join(s.folderDir, bucket, filepath.FromSlash(prefix))
	}
	loc := s.Scheme + "://" + bucket
	if prefix != "" {
		loc += "/" + prefix
	}
	if s.query != "" {
		loc += "?" + s.query
	}
	return loc
}

// NewBucket makes a fresh, empty bucket and returns its name.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("audit-%d", s.n.Add(1))
	s.makeBkt(t, name)
	return name
}

// NewLocation makes a fresh bucket and returns the location of the prefix
// "audit/prod" in it.
func (s *Server) NewLocation(t testing.TB) string {
	t.Helper()
	return s.Location(s.NewBucket(t), "audit/prod")
}

// Backend starts one kind of server.
type Backend struct {
	Name  string
	Start func(t testing.TB) *Server
}

// Backends lists every server. External ones skip when not installed (and
// fail under CI, see External).
var Backends = []Backend{
	{"folder", Folder},
	{"gofakes3", GoFakeS3},
	{"fake-gcs", FakeGCS},
	{"seaweedfs", SeaweedFS},
	{"azurite", Azurite},
}

// Folder is a local folder, for tests that run the same cases on every
// kind of location.
func Folder(t testing.TB) *Server {
	return &Server{Name: "folder", Scheme: "file", folderDir: t.TempDir(), makeBkt: func(testing.TB, string) {}}
}

// isolateAWS points the AWS SDK at the given static key and away from the
// machine's own profile files and instance metadata.
func isolateAWS(t testing.TB, keyID, secret string) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// s3Query is the query that reaches an S3-compatible server at endpoint.
func s3Query(endpoint string) string {
	return url.Values{"endpoint": {endpoint}, "use_path_style": {"true"}}.Encode()
}

// GoFakeS3 starts gofakes3, an S3 server in this process.
func GoFakeS3(t testing.TB) *Server {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithoutVersioning()).Server())
	t.Cleanup(srv.Close)
	isolateAWS(t, "test-key", "test-secret")
	return &Server{
		Name:   "gofakes3",
		Scheme: "s3",
		query:  s3Query(srv.URL),
		makeBkt: func(t testing.TB, name string) {
			if err := backend.CreateBucket(name); err != nil {
				t.Fatalf("gofakes3: create bucket %s: %v", name, err)
			}
		},
	}
}

// FakeGCS starts fake-gcs-server in this process, reached through the
// Google libraries' own STORAGE_EMULATOR_HOST.
func FakeGCS(t testing.TB) *Server {
	port := freePort(t)
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", Port: uint16(port), Writer: discard{},
		// Reads go to http://HOST/BUCKET/KEY; without this the server takes
		// the host for a bucket name.
		PublicHost: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
	})
	if err != nil {
		t.Fatalf("fake-gcs-server: %v", err)
	}
	t.Cleanup(srv.Stop)
	t.Setenv("STORAGE_EMULATOR_HOST", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	return &Server{
		Name:   "fake-gcs",
		Scheme: "gs",
		makeBkt: func(t testing.TB, name string) {
			srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: name})
		},
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// freePort asks the kernel for a free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// External returns the path in the environment variable name, which
// scripts/test-servers sets. When it is unset the test skips, except
// under CI (CI set and not false), where a missing server must not pass
// unnoticed: there the test fails.
func External(t testing.TB, name, what string) string {
	t.Helper()
	p := os.Getenv(name)
	if p != "" {
		return p
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatalf("CI is set but %s is not: %s must run here (.ci/run sets it through scripts/test-servers)", name, what)
	}
	t.Skipf("%s is unset: run scripts/test-servers to test against %s", name, what)
	return ""
}

// waitHTTP waits until something answers HTTP at url, or the process
// exits, or ctx ends.
func waitHTTP(ctx context.Context, u string, exited <-chan struct{}) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no answer at %s: %w", u, ctx.Err())
		case <-exited:
			return fmt.Errorf("the server exited before it answered at %s", u)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
