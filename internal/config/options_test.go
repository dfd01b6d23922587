package config

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func TestClientOptions(t *testing.T) {
	c, err := Resolve(nil, Inputs{
		Flags: map[string]string{KeyTimeout: "45s", KeyRate: "2", KeyCAFile: "/ca.pem", KeyInsecureHTTP: "true"},
		Getenv: env(map[string]string{"AUTHGEAR_AUDIT_PROJECT": "p", "AUTHGEAR_AUDIT_KEY_ID": "k",
			"AUTHGEAR_AUDIT_KEY_FILE": "/k.pem", "AUTHGEAR_AUDIT_ENDPOINT": "https://e.example/graphql"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	var verbose bytes.Buffer
	var warned []string
	opts := c.ClientOptions("1.2.3", &verbose, func(m string) { warned = append(warned, m) })
	if opts.Endpoint != "https://e.example/graphql" || opts.ProjectID != "p" || opts.KeyID != "k" || opts.KeyFile != "/k.pem" || opts.Token != "" {
		t.Errorf("connection: %+v", opts)
	}
	if opts.Timeout != 45*time.Second || opts.Rate != 2 || opts.MaxRetries != DefaultMaxRetries || opts.CAFile != "/ca.pem" || !opts.InsecureHTTP {
		t.Errorf("timeout %v rate %v retries %d ca %q insecure %v", opts.Timeout, opts.Rate, opts.MaxRetries, opts.CAFile, opts.InsecureHTTP)
	}
	if opts.Verbose != &verbose || opts.UserAgent != "1.2.3" || opts.Now != nil {
		t.Errorf("verbose %v user agent %q now set %v", opts.Verbose, opts.UserAgent, opts.Now != nil)
	}
	opts.Warn("careful")
	if !reflect.DeepEqual(warned, []string{"careful"}) {
		t.Errorf("warn got %q", warned)
	}

	// max_retries 0 means no retries, which the client spells -1; a nil
	// writer is no verbose log.
	c, err = Resolve(nil, Inputs{Flags: map[string]string{KeyToken: "tok", KeyMaxRetries: "0"}})
	if err != nil {
		t.Fatal(err)
	}
	if opts := c.ClientOptions("", nil, nil); opts.MaxRetries != -1 || opts.Verbose != nil || opts.Token != "tok" {
		t.Errorf("max retries %d verbose %v token %q", opts.MaxRetries, opts.Verbose, opts.Token)
	}
}

func TestRows(t *testing.T) {
	f, _ := load(t, "profiles:\n  p:\n    project: pp\n    rate: 1.5\n")
	c, err := Resolve(f, Inputs{Profile: "p", Flags: map[string]string{KeyToken: "secret-tok"},
		Getenv: env(map[string]string{"AUTHGEAR_AUDIT_TIMEOUT": "1m30s"})})
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{KeyEndpoint, "(not set)", SourceNone},
		{KeyProject, "pp", SourceProfile},
		{KeyKeyID, "(not set)", SourceNone},
		{KeyKeyFile, "(not set)", SourceNone},
		{KeyToken, "(set, hidden)", SourceFlag},
		{KeyTokenFile, "(not set)", SourceNone},
		{KeyCAFile, "(not set)", SourceNone},
		{KeyInsecureHTTP, "false", SourceDefault},
		{KeyTimeout, "1m30s", SourceEnv},
		{KeyMaxRetries, "5", SourceDefault},
		{KeyRate, "1.5", SourceProfile},
	}
	if got := c.Rows(); !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n got %v\nwant %v", got, want)
	}
}
