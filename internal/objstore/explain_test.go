package objstore

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/aws/smithy-go"
	"google.golang.org/api/googleapi"
)

func azureError(status int, code string) error {
	req, _ := http.NewRequest(http.MethodGet, "https://acct.blob.core.windows.net/c?comp=list&sig=s3cr3tSIG", nil)
	resp := &http.Response{
		StatusCode: status,
		Status:     http.StatusText(status),
		Header:     http.Header{"X-Ms-Error-Code": {code}},
		Body:       io.NopCloser(strings.NewReader("")),
		Request:    req,
	}
	return runtime.NewResponseError(resp)
}

func TestExplain(t *testing.T) {
	tests := []struct {
		location string
		err      error
		want     string
	}{
		{"s3://b/audit?endpoint=http://127.0.0.1:1", &smithy.GenericAPIError{Code: "NoSuchBucket", Message: "The specified bucket does not exist"},
			"s3://b/audit: bucket does not exist (NoSuchBucket)"},
		{"s3://b", fmt.Errorf("list: %w", &smithy.GenericAPIError{Code: "InvalidAccessKeyId"}),
			"s3://b: access denied (InvalidAccessKeyId): the access key is unknown; check AWS_ACCESS_KEY_ID"},
		{"s3://b", &smithy.GenericAPIError{Code: "SignatureDoesNotMatch"},
			"s3://b: access denied (SignatureDoesNotMatch): the secret does not match"},
		{"s3://b", &smithy.GenericAPIError{Code: "SlowDown", Message: "Please reduce your request rate.\nmore"},
			"s3://b: Please reduce your request rate. (SlowDown)"},
		{"gs://b/p", &googleapi.Error{Code: 404, Message: "The specified bucket does not exist."},
			"gs://b/p: bucket does not exist (HTTP 404)"},
		{"gs://b", &googleapi.Error{Code: 403, Message: "x@y.iam has no storage.objects.list access"},
			"gs://b: access denied (HTTP 403: x@y.iam has no storage.objects.list access): check GOOGLE_APPLICATION_CREDENTIALS"},
		{"azblob://c", azureError(404, "ContainerNotFound"), "azblob://c: container does not exist (ContainerNotFound)"},
		{"azblob://c", azureError(403, "AuthenticationFailed"), "azblob://c: access denied (AuthenticationFailed)"},
		{"azblob://c", azureError(500, ""), "azblob://c: HTTP 500 Internal Server Error"},
		{"azblob://c", errNoAzureAccount, "azblob://c: no Azure account: set AZURE_STORAGE_ACCOUNT"},
		{"/tmp/x", errors.New("see https://h/p?sig=s3cr3t for more\nsecond line"), "/tmp/x: see https://h/p for more"},
	}
	for _, tt := range tests {
		got := Explain(tt.location, tt.err).Error()
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("Explain(%q, %v) =\n  %q\nwant it to start with\n  %q", tt.location, tt.err, got, tt.want)
		}
		if strings.Contains(got, "\n") || strings.Contains(got, "s3cr3t") {
			t.Errorf("Explain(%q) = %q: more than one line, or a secret", tt.location, got)
		}
		if !errors.Is(Explain(tt.location, tt.err), tt.err) {
			t.Errorf("Explain(%q) does not wrap the provider's error", tt.location)
		}
	}
}

func TestExplainOnce(t *testing.T) {
	err := Explain("s3://b", &smithy.GenericAPIError{Code: "NoSuchBucket"})
	if got := Explain("s3://b", err); got != err {
		t.Errorf("Explain of an explained error = %q, want it unchanged", got)
	}
	if Explain("s3://b", nil) != nil {
		t.Error("Explain(nil) != nil")
	}
	bad := fmt.Errorf("%w: x", ErrBadLocation)
	if got := Explain("s3://b", bad); got != bad {
		t.Errorf("Explain of a bad location = %q, want it unchanged", got)
	}
}
