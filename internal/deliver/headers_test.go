package deliver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseHeaders(t *testing.T) {
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "token")
	os.WriteFile(tokFile, []byte("file-secret-1\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	env := map[string]string{"HEC_TOKEN": "env-secret-2"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		spec, name, value, err string
	}{
		{spec: "X-Scope:audit", name: "X-Scope", value: "audit"},
		{spec: "authorization: Splunk $HEC_TOKEN", name: "Authorization", value: "Splunk env-secret-2"},
		{spec: "DD-API-KEY:${HEC_TOKEN}", name: "Dd-Api-Key", value: "env-secret-2"},
		{spec: "Authorization:Bearer @" + tokFile, name: "Authorization", value: "Bearer file-secret-1"},
		{spec: "X-Price:$$5", name: "X-Price", value: "$5"},
		{spec: "X-Handle:@@me", name: "X-Handle", value: "@me"},
		{spec: "Authorization:Bearer $NOPE", err: "--to-header Authorization: the variable NOPE is not set or empty"},
		{spec: "Authorization:Bearer @" + filepath.Join(dir, "missing"), err: "--to-header Authorization: read the value from " + filepath.Join(dir, "missing")},
		{spec: "Authorization:@" + empty, err: "is empty"},
		{spec: "just-a-token-value", err: "--to-header: a value is not NAME:VALUE"},
		{spec: "Bad Name:x", err: "--to-header: a value is not NAME:VALUE"},
		{spec: "X-Empty:", err: "--to-header X-Empty: the value is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			h, secrets, err := ParseHeaders([]string{tt.spec}, getenv)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				for _, s := range []string{"file-secret-1", "env-secret-2", "just-a-token-value"} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("the message shows a secret: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Get(tt.name); got != tt.value || len(h) != 1 {
				t.Errorf("headers %v, want %s: %s", h, tt.name, tt.value)
			}
			if len(secrets) != 1 || !strings.HasSuffix(tt.value, secrets[0]) {
				t.Errorf("secrets %q", secrets)
			}
		})
	}
}
