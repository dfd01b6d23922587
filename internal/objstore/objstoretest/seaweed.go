package objstoretest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// SeaweedFS test identity. The server refuses every other key, so tests
// of refused credentials can use any other.
const (
	SeaweedKeyID  = "audit-test"
	SeaweedSecret = "audit-test-secret"
)

// SeaweedFS starts `weed server` with S3 on loopback ports, from the
// binary in AUTHGEAR_AUDIT_TEST_WEED. It takes about ten seconds to
// answer, so start one per test and give each case its own bucket.
func SeaweedFS(t testing.TB) *Server {
	t.Helper()
	weed := External(t, "AUTHGEAR_AUDIT_TEST_WEED", "SeaweedFS")
	w, err := StartSeaweed(weed, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	isolateAWS(t, SeaweedKeyID, SeaweedSecret)
	return &Server{
		Name:   "seaweedfs",
		Scheme: "s3",
		query:  s3Query(w.Endpoint),
		BreakCredentials: func(t testing.TB) {
			isolateAWS(t, "AKIAUNKNOWN", SeaweedSecret)
		},
		makeBkt: func(t testing.TB, name string) {
			t.Helper()
			if err := w.CreateBucket(name); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// Seaweed is a running SeaweedFS, for tests and benchmarks.
type Seaweed struct {
	// Endpoint is its S3 endpoint, http://127.0.0.1:PORT.
	Endpoint string
	p        *process
	client   *s3.Client
}

// StartSeaweed starts weed with its data in dir (which must exist) and
// waits until its S3 gateway answers. Stop it with Stop.
func StartSeaweed(weed, dir string) (*Seaweed, error) {
	config := filepath.Join(dir, "s3.json")
	identities := map[string]any{"identities": []any{map[string]any{
		"name":        "audit",
		"credentials": []any{map[string]string{"accessKey": SeaweedKeyID, "secretKey": SeaweedSecret}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}}
	cfg, _ := json.Marshal(identities)
	if err := os.WriteFile(config, cfg, 0o600); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		return nil, err
	}
	base, err := freePortRange()
	if err != nil {
		return nil, err
	}
	port := func(i int) string { return strconv.Itoa(base + i) }
	p, err := startProcess(weed, "server",
		"-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+port(0), "-master.port.grpc="+port(10),
		"-volume.port="+port(1), "-volume.port.grpc="+port(11),
		"-filer", "-filer.port="+port(2), "-filer.port.grpc="+port(12),
		"-s3", "-s3.port="+port(3), "-s3.port.grpc="+port(13), "-s3.config="+config,
		// Every bucket takes several volumes: room for many small ones.
		"-master.volumeSizeLimitMB=64", "-volume.max=200")
	if err != nil {
		return nil, err
	}
	w := &Seaweed{Endpoint: "http://127.0.0.1:" + port(3), p: p}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := waitHTTP(ctx, w.Endpoint, p.exited); err != nil {
		p.kill()
		return nil, fmt.Errorf("SeaweedFS: %w\n%s", err, p.out)
	}
	w.client = s3.New(s3.Options{
		BaseEndpoint: aws.String(w.Endpoint),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(SeaweedKeyID, SeaweedSecret, ""),
	})
	return w, nil
}

// Stop kills the server (SIGKILL: it ignores SIGTERM for a long time).
func (w *Seaweed) Stop() { w.p.kill() }

// CreateBucket makes a bucket. The S3 gateway answers before the filer
// is ready, so it retries for a while.
func (w *Seaweed) CreateBucket(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		_, err := w.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("SeaweedFS: create bucket %s: %w\n%s", name, err, w.p.out)
		case <-w.p.exited:
			return fmt.Errorf("SeaweedFS exited: %w\n%s", err, w.p.out)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// freePortRange finds a base port such that base..base+3 and
// base+10..base+13 are free on loopback (the HTTP and gRPC ports of
// SeaweedFS's four parts).
func freePortRange() (int, error) {
	for try := 0; try < 50; try++ {
		base := 20000 + (os.Getpid()*7919+try*131+time.Now().Nanosecond())%30000
		ok := true
		for _, off := range []int{0, 1, 2, 3, 10, 11, 12, 13} {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+off)))
			if err != nil {
				ok = false
				break
			}
			l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("no free range of ports for SeaweedFS")
}
