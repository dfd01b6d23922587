package main

import (
	"bufio"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/adminapitest"
)

func TestRun(t *testing.T) {
	keyPath := filepath.Join(t.TempDir(), "key.pem")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-events", "300", "-bursts", "1", "-burst-size", "120", "-project", "proj", "-key-out", keyPath}, pw)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	var info struct {
		Endpoint, Project, KeyID, KeyFile string
		Events                            int
	}
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	if info.Project != "proj" || info.KeyFile != keyPath || info.Events != 420 || !strings.HasSuffix(info.Endpoint, adminapitest.EndpointPath) {
		t.Fatalf("info %+v", info)
	}
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
	pemBytes, _ := os.ReadFile(keyPath)
	block, _ := pem.Decode(pemBytes)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	tok := adminapitest.SignToken(k.(*rsa.PrivateKey), info.KeyID, map[string]any{"aud": info.Project, "exp": time.Now().Add(time.Minute).Unix()})
	req, _ := http.NewRequest("POST", info.Endpoint, strings.NewReader(`{"query":"{ auditLogs(first: 1) { totalCount } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"totalCount":420`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-days", "0"}, {"-events", "-1"}, {"-nosuch"}, {"-listen", "256.0.0.1:99999", "-events", "1"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
