package objstoretest

import (
	"context"
	"encoding/json"
	"errors"
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
	dir := t.TempDir()
	config := filepath.Join(dir, "s3.json")
	identities := map[string]any{"identities": []any{map[string]any{
		"name":        "audit",
		"credentials": []any{map[string]string{"accessKey": SeaweedKeyID, "secretKey": SeaweedSecret}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}}
	data, _ := json.Marshal(identities)
	if err := os.WriteFile(config, data, 0o600); err != nil {
		t.Fatal(err)
	}
	data2 := filepath.Join(dir, "data")
	if err := os.Mkdir(data2, 0o755); err != nil {
		t.Fatal(err)
	}
	base := freePortRange(t)
	port := func(i int) string { return strconv.Itoa(base + i) }
	p := start(t, weed, "server",
		"-dir="+data2, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+port(0), "-master.port.grpc="+port(10),
		"-volume.port="+port(1), "-volume.port.grpc="+port(11),
		"-filer", "-filer.port="+port(2), "-filer.port.grpc="+port(12),
		"-s3", "-s3.port="+port(3), "-s3.port.grpc="+port(13), "-s3.config="+config,
		"-master.volumeSizeLimitMB=64", "-volume.max=200") // each bucket takes several volumes
	endpoint := "http://127.0.0.1:" + port(3)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := waitHTTP(ctx, endpoint, p.exited); err != nil {
		t.Fatalf("SeaweedFS: %v\n%s", err, p.out)
	}
	isolateAWS(t, SeaweedKeyID, SeaweedSecret)
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(SeaweedKeyID, SeaweedSecret, ""),
	})
	return &Server{
		Name:   "seaweedfs",
		Scheme: "s3",
		query:  s3Query(endpoint),
		BreakCredentials: func(t testing.TB) {
			isolateAWS(t, "AKIAUNKNOWN", SeaweedSecret)
		},
		makeBkt: func(t testing.TB, name string) {
			t.Helper()
			// The S3 gateway answers before the filer is ready: retry.
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			for {
				_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
				if err == nil {
					return
				}
				select {
				case <-ctx.Done():
					t.Fatalf("SeaweedFS: create bucket %s: %v\n%s", name, err, p.out)
				case <-p.exited:
					t.Fatalf("SeaweedFS exited: %v\n%s", err, p.out)
				case <-time.After(250 * time.Millisecond):
				}
			}
		},
	}
}

// freePortRange finds a base port such that base..base+3 and
// base+10..base+13 are free on loopback (the HTTP and gRPC ports of
// SeaweedFS's four parts).
func freePortRange(t testing.TB) int {
	t.Helper()
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
			return base
		}
	}
	t.Fatal(errors.New("no free range of ports for SeaweedFS"))
	return 0
}
