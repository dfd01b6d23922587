// Package objstore opens archive locations: S3 (and S3-compatible stores),
// Google Cloud Storage, Azure Blob Storage and local folders, all as one
// *blob.Bucket from gocloud.dev. Credentials come only from each cloud's
// standard chain; a location never carries a secret.
package objstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	gcaws "gocloud.dev/aws"
	"gocloud.dev/blob"
	"gocloud.dev/blob/azureblob"
	"gocloud.dev/blob/gcsblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcp"
)

// ErrBadLocation marks a location that cannot name a bucket: an unknown
// scheme, no bucket, a bad query parameter. Callers treat it as bad usage.
var ErrBadLocation = errors.New("bad archive location")

// Location is a parsed archive location.
type Location struct {
	// Scheme is "s3", "gs", "azblob" or "file" (also for plain paths).
	Scheme string
	// Bucket is the bucket or container; for "file", the folder.
	Bucket string
	// Prefix is the key prefix inside the bucket, without slashes at
	// either end; "" for the whole bucket.
	Prefix string
	// Endpoint, Region and PathStyle are the S3-compatible parameters.
	Endpoint  string
	Region    string
	PathStyle bool
}

// String is the location as messages name it: no query, so never a
// parameter a reader does not need.
func (l Location) String() string {
	if l.Scheme == "file" {
		return l.Bucket
	}
	s := l.Scheme + "://" + l.Bucket
	if l.Prefix != "" {
		s += "/" + l.Prefix
	}
	return s
}

// looksLikeURL matches a scheme followed by a colon: "s3:", "https:". One
// letter is a Windows drive, so two at least.
var looksLikeURL = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]+:`)

// s3Params are the query parameters an s3:// location accepts.
var s3Params = map[string]bool{"endpoint": true, "region": true, "use_path_style": true}

// Parse reads a location: s3://BUCKET/PREFIX?endpoint=URL&region=R&use_path_style=true,
// gs://BUCKET/PREFIX, azblob://CONTAINER/PREFIX, file:///path or a plain
// local path. Errors wrap ErrBadLocation.
func Parse(location string) (Location, error) {
	bad := func(format string, args ...any) (Location, error) {
		return Location{}, fmt.Errorf("%w %q: %s", ErrBadLocation, location, fmt.Sprintf(format, args...))
	}
	if location == "" {
		return bad("empty: give a folder or a URL such as s3://BUCKET/PREFIX")
	}
	if !strings.Contains(location, "://") {
		if looksLikeURL.MatchString(location) {
			return bad("not a URL or a local path: write s3://BUCKET/PREFIX, gs://, azblob://, file:///path, or ./%s for a local folder", location)
		}
		return Location{Scheme: "file", Bucket: location}, nil
	}
	u, err := url.Parse(location)
	if err != nil {
		return bad("%v", unwrapURLError(err))
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "s3", "gs", "azblob", "file":
	default:
		return bad("unknown scheme %q: use s3://, gs://, azblob://, file:// or a local path", u.Scheme)
	}
	if u.User != nil {
		return bad("credentials do not belong in a location: they come from the environment (see the README's Locations)")
	}
	if u.Fragment != "" || strings.HasSuffix(location, "#") {
		return bad("a location has no #fragment")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("query: %v", err)
	}
	if scheme == "file" {
		if u.Host != "" && u.Host != "localhost" {
			return bad("file:// URLs name a local folder: file:///path (three slashes)")
		}
		if len(q) > 0 {
			return bad("file:// takes no query parameters")
		}
		if u.Path == "" || u.Path == "/" {
			return bad("file:// needs a folder: file:///path")
		}
		return Location{Scheme: "file", Bucket: u.Path}, nil
	}
	l := Location{Scheme: scheme, Bucket: u.Host}
	if l.Bucket == "" {
		return bad("no bucket: write %s://BUCKET/PREFIX", scheme)
	}
	if strings.ContainsAny(l.Bucket, ":") {
		return bad("the bucket %q has a port or colon: an S3-compatible server goes in ?endpoint=", l.Bucket)
	}
	l.Prefix = strings.Trim(u.Path, "/")
	for _, seg := range strings.Split(l.Prefix, "/") {
		if l.Prefix != "" && (seg == "" || seg == "." || seg == "..") {
			return bad("the prefix %q has an empty, . or .. part", l.Prefix)
		}
	}
	for k, vs := range q {
		if scheme != "s3" {
			return bad("%s:// takes no query parameters (got %q); settings come from the environment", scheme, k)
		}
		if !s3Params[k] {
			return bad("unknown parameter %q: s3:// takes endpoint=, region= and use_path_style=true", k)
		}
		if len(vs) != 1 {
			return bad("parameter %q is given %d times", k, len(vs))
		}
		v := vs[0]
		switch k {
		case "endpoint":
			e, err := url.Parse(v)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
				return bad("endpoint=%q: want an http or https URL such as https://s3.example.com", v)
			}
			if e.User != nil {
				return bad("endpoint=: credentials do not belong in a location")
			}
			l.Endpoint = v
		case "region":
			if v == "" {
				return bad("region= is empty")
			}
			l.Region = v
		case "use_path_style":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return bad("use_path_style=%q: want true or false", v)
			}
			l.PathStyle = b
		}
	}
	return l, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Open opens an archive location: s3://BUCKET/PREFIX?..., gs://..., azblob://...,
// file:///path, or a plain local path. The returned bucket is already
// scoped to PREFIX/ (keys are relative to it). Close it when done.
//
// Open lists one key to prove that the bucket exists and the credentials
// are accepted, so a wrong name or a refused key fails here, before any
// write. A local folder that does not exist yet is made on the first write.
func Open(ctx context.Context, location string) (*blob.Bucket, error) {
	l, err := Parse(location)
	if err != nil {
		return nil, err
	}
	b, err := open(ctx, l)
	if err != nil {
		return nil, Explain(l.String(), err)
	}
	if l.Prefix != "" {
		b = blob.PrefixedBucket(b, l.Prefix+"/")
	}
	if l.Scheme != "file" {
		if _, _, err := b.ListPage(ctx, blob.FirstPageToken, 1, nil); err != nil {
			_ = b.Close()
			return nil, Explain(l.String(), err)
		}
	}
	return b, nil
}

func open(ctx context.Context, l Location) (*blob.Bucket, error) {
	switch l.Scheme {
	case "s3":
		return openS3(ctx, l)
	case "gs":
		return openGCS(ctx, l)
	case "azblob":
		return openAzure(ctx, l)
	default:
		return openDir(l.Bucket)
	}
}

func openS3(ctx context.Context, l Location) (*blob.Bucket, error) {
	q := url.Values{}
	if l.Region != "" {
		q.Set("region", l.Region)
	}
	if l.Endpoint != "" {
		q.Set("endpoint", l.Endpoint)
		// S3-compatible stores do not all know the newer checksum
		// headers; send checksums only where an operation needs them.
		q.Set("request_checksum_calculation", "when_required")
		q.Set("response_checksum_validation", "when_required")
		if l.Region == "" && os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			// Most S3-compatible servers sign with this one unless told.
			q.Set("region", "us-east-1")
		}
	}
	cfg, err := gcaws.V2ConfigFromURLParams(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("%w %q: no region: add ?region=REGION or set AWS_REGION", ErrBadLocation, l.String())
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = l.PathStyle })
	return s3blobOpen(ctx, client, l.Bucket, cfg)
}

func openGCS(ctx context.Context, l Location) (*blob.Bucket, error) {
	// The emulator's variable is the Google libraries' own; with it the
	// client sends no credentials.
	if os.Getenv("STORAGE_EMULATOR_HOST") != "" {
		return gcsblob.OpenBucket(ctx, gcp.NewAnonymousHTTPClient(gcp.DefaultTransport()), l.Bucket, nil)
	}
	creds, err := gcp.DefaultCredentials(ctx)
	if err != nil {
		return nil, errNoGoogleCredentials
	}
	client, err := gcp.NewHTTPClient(gcp.DefaultTransport(), gcp.CredentialsTokenSource(creds))
	if err != nil {
		return nil, err
	}
	return gcsblob.OpenBucket(ctx, client, l.Bucket, nil)
}

func openAzure(ctx context.Context, l Location) (*blob.Bucket, error) {
	// The same environment, in the same order, as gocloud's azblob://
	// opener: AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or
	// AZURE_STORAGE_SAS_TOKEN; else AZURE_STORAGE_CONNECTION_STRING; else
	// the account with the default Azure credential chain (workload or
	// managed identity, az login).
	account := os.Getenv("AZURE_STORAGE_ACCOUNT")
	keyed := account != "" && (os.Getenv("AZURE_STORAGE_KEY") != "" || os.Getenv("AZURE_STORAGE_SAS_TOKEN") != "")
	cs := os.Getenv("AZURE_STORAGE_CONNECTION_STRING")
	if cs == "" {
		cs = os.Getenv("AZURE_STORAGEBLOB_CONNECTIONSTRING")
	}
	if !keyed && cs != "" {
		client, err := container.NewClientFromConnectionString(cs, l.Bucket, nil)
		if err != nil {
			return nil, errBadAzureConnectionString
		}
		return azureblob.OpenBucket(ctx, client, nil)
	}
	if account == "" {
		return nil, errNoAzureAccount
	}
	svcURL, err := azureblob.NewServiceURL(azureblob.NewDefaultServiceURLOptions())
	if err != nil {
		return nil, err
	}
	client, err := azureblob.NewDefaultClient(svcURL, azureblob.ContainerName(l.Bucket))
	if err != nil {
		return nil, err
	}
	return azureblob.OpenBucket(ctx, client, nil)
}

func s3blobOpen(ctx context.Context, client *s3.Client, bucket string, cfg aws.Config) (*blob.Bucket, error) {
	return s3blob.OpenBucket(ctx, client, bucket, &s3blob.Options{RequestChecksumCalculation: cfg.RequestChecksumCalculation})
}
