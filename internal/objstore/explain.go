package objstore

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"gocloud.dev/gcerrors"
	"google.golang.org/api/googleapi"
)

var (
	errNoGoogleCredentials = errors.New("no Google credentials found: set GOOGLE_APPLICATION_CREDENTIALS to a key file, run gcloud auth application-default login, or run where a workload identity is attached")
	errNoAzureAccount      = errors.New("no Azure account: set AZURE_STORAGE_ACCOUNT (with AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or a signed-in identity) or AZURE_STORAGE_CONNECTION_STRING")
	// The SDK's own message would quote the string, key and all.
	errBadAzureConnectionString = errors.New("AZURE_STORAGE_CONNECTION_STRING is not a valid connection string")
)

// IsExists reports whether err says that a conditional create found the key taken.
func IsExists(err error) bool {
	if err == nil {
		return false
	}
	if gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return true
	}
	// S3 answers 409 ConditionalRequestConflict when another conditional
	// write of the same key completes while this one is under way: the
	// key is being taken by someone else.
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ConditionalRequestConflict"
}

// explained is an error already put into one line. It wraps the provider's
// error, so IsExists and gcerrors.Code still see through it.
type explained struct {
	location, reason string
	err              error
}

func (e *explained) Error() string { return e.location + ": " + e.reason }
func (e *explained) Unwrap() error { return e.err }

// Explain turns a provider error into one line naming the location and the reason.
func Explain(location string, err error) error {
	if err == nil {
		return nil
	}
	var done *explained
	if errors.As(err, &done) {
		return err
	}
	if errors.Is(err, ErrBadLocation) {
		return err
	}
	if l, perr := Parse(location); perr == nil {
		location = l.String()
	}
	return &explained{location: location, reason: reason(err), err: err}
}

// reason says in a few words what went wrong, with the provider's code in
// brackets and, for refused credentials, where they came from.
func reason(err error) string {
	for _, e := range []error{errNoGoogleCredentials, errNoAzureAccount, errBadAzureConnectionString} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	if r := s3Reason(err); r != "" {
		return r
	}
	if r := gcsReason(err); r != "" {
		return r
	}
	if r := azureReason(err); r != "" {
		return r
	}
	if r := netReason(err); r != "" {
		return r
	}
	switch gcerrors.Code(err) {
	case gcerrors.FailedPrecondition:
		return "object already exists"
	case gcerrors.NotFound:
		return "not found"
	case gcerrors.PermissionDenied:
		return "access denied"
	}
	return firstLine(err.Error())
}

const awsCredsHint = "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the profile (AWS_PROFILE)"

func s3Reason(err error) string {
	var signing *v4.SigningError
	if errors.As(err, &signing) {
		return "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, set AWS_PROFILE, or run where an instance or workload identity is attached"
	}
	var region *aws.MissingRegionError
	if errors.As(err, &region) {
		return "no region: add ?region=REGION or set AWS_REGION"
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		switch code {
		case "NoSuchBucket":
			return "bucket does not exist (NoSuchBucket)"
		case "NoSuchKey":
			return "object not found (NoSuchKey)"
		case "InvalidAccessKeyId":
			return "access denied (InvalidAccessKeyId): the access key is unknown; " + awsCredsHint
		case "SignatureDoesNotMatch":
			return "access denied (SignatureDoesNotMatch): the secret does not match the access key; " + awsCredsHint
		case "ExpiredToken", "TokenRefreshRequired", "InvalidToken":
			return "access denied (" + code + "): the session token is expired or invalid; refresh the credentials"
		case "AccessDenied", "AllAccessDisabled", "Forbidden":
			return "access denied (" + code + "): the credentials may not use this bucket; check the bucket policy or " + awsCredsHint
		case "PreconditionFailed":
			return "object already exists (PreconditionFailed)"
		case "ConditionalRequestConflict":
			return "object is being written by another client (ConditionalRequestConflict)"
		case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
			return "wrong region (" + code + "): add ?region= with the bucket's region"
		case "NotImplemented":
			return "the server does not implement this request (NotImplemented)"
		}
		msg := firstLine(ae.ErrorMessage())
		if msg == "" {
			var re *awshttp.ResponseError
			if errors.As(err, &re) {
				return statusReason(re.HTTPStatusCode(), "")
			}
			return code
		}
		return msg + " (" + code + ")"
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return statusReason(re.HTTPStatusCode(), "")
	}
	return ""
}

// statusReason speaks for an answer without an error body, such as the
// answer to a HEAD request.
func statusReason(status int, hint string) string {
	var r string
	switch status {
	case http.StatusNotFound:
		r = "not found (HTTP 404)"
	case http.StatusForbidden, http.StatusUnauthorized:
		r = fmt.Sprintf("access denied (HTTP %d)", status)
	case http.StatusMovedPermanently:
		r = "wrong region (HTTP 301): add ?region= with the bucket's region"
	case http.StatusPreconditionFailed:
		r = "object already exists (HTTP 412)"
	default:
		r = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	}
	if hint != "" {
		r += ": " + hint
	}
	return r
}

const gcsCredsHint = "check GOOGLE_APPLICATION_CREDENTIALS or the workload identity's roles"

func gcsReason(err error) string {
	if errors.Is(err, storage.ErrBucketNotExist) {
		return "bucket does not exist"
	}
	if errors.Is(err, storage.ErrObjectNotExist) {
		return "object not found"
	}
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return ""
	}
	msg := firstLine(ge.Message)
	switch ge.Code {
	case http.StatusNotFound:
		if strings.Contains(strings.ToLower(msg), "bucket") {
			return "bucket does not exist (HTTP 404)"
		}
		return "not found (HTTP 404)"
	case http.StatusUnauthorized, http.StatusForbidden:
		r := fmt.Sprintf("access denied (HTTP %d", ge.Code)
		if msg != "" {
			r += ": " + msg
		}
		return r + "): " + gcsCredsHint
	case http.StatusPreconditionFailed:
		return "object already exists (HTTP 412)"
	}
	if msg == "" {
		return statusReason(ge.Code, "")
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, ge.Code)
}

const azureCredsHint = "check AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_CONNECTION_STRING"

func azureReason(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		code := bloberror.Code(re.ErrorCode)
		switch code {
		case bloberror.ContainerNotFound:
			return "container does not exist (ContainerNotFound)"
		case bloberror.BlobNotFound:
			return "object not found (BlobNotFound)"
		case bloberror.AuthenticationFailed:
			return "access denied (AuthenticationFailed): the key or signature is wrong; " + azureCredsHint
		case bloberror.AuthorizationFailure, bloberror.AuthorizationPermissionMismatch,
			bloberror.InsufficientAccountPermissions:
			// Azurite answers a wrong key with AuthorizationFailure too.
			return "access denied (" + string(code) + "): the credentials may not use this container; " + azureCredsHint + ", or the identity's role assignment"
		case bloberror.BlobAlreadyExists, bloberror.ConditionNotMet:
			return "object already exists (" + string(code) + ")"
		}
		if code == "" {
			return statusReason(re.StatusCode, "")
		}
		return fmt.Sprintf("%s (HTTP %d)", code, re.StatusCode)
	}
	var af *azidentity.AuthenticationFailedError
	if errors.As(err, &af) || strings.Contains(err.Error(), "DefaultAzureCredential") {
		return "no Azure credentials found: set AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_CONNECTION_STRING, sign in with az login, or run where a workload or managed identity is attached"
	}
	return ""
}

func netReason(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "cannot reach the storage service: no such host " + dns.Name
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "cannot reach the storage service: connection refused (check the endpoint)"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "cannot reach the storage service: " + firstLine(op.Err.Error())
	}
	return ""
}

// urlQuery matches the query of a URL in a message: a signed URL carries
// its signature there, and no message should repeat it.
var urlQuery = regexp.MustCompile(`(https?://[^\s?"']*)\?[^\s"']*`)

// firstLine is the first line of a provider's message, with any URL's
// query dropped.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(urlQuery.ReplaceAllString(s, "$1"))
}
