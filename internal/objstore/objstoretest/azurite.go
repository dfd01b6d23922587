package objstoretest

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// Azurite's well-known development account: public, in Microsoft's docs,
// and accepted by nothing but the emulator.
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// AzuriteConnectionString is the connection string for the emulator's
// blob service at port, with the given account key.
func AzuriteConnectionString(port int, key string) string {
	return fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=http://127.0.0.1:%d/%s;",
		AzuriteAccount, key, port, AzuriteAccount)
}

// Azurite starts azurite-blob from AUTHGEAR_AUDIT_TEST_AZURITE on a
// loopback port and points AZURE_STORAGE_CONNECTION_STRING at it.
func Azurite(t testing.TB) *Server {
	t.Helper()
	bin := External(t, "AUTHGEAR_AUDIT_TEST_AZURITE", "Azurite")
	port := freePort(t)
	p := start(t, bin, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port),
		"--location", t.TempDir(), "--silent", "--skipApiVersionCheck", "--loose")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := waitHTTP(ctx, fmt.Sprintf("http://127.0.0.1:%d/", port), p.exited); err != nil {
		t.Fatalf("Azurite: %v\n%s", err, p.out)
	}
	cs := AzuriteConnectionString(port, AzuriteKey)
	t.Setenv("AZURE_STORAGE_ACCOUNT", "")
	t.Setenv("AZURE_STORAGE_KEY", "")
	t.Setenv("AZURE_STORAGE_SAS_TOKEN", "")
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", cs)
	return &Server{
		Name:   "azurite",
		Scheme: "azblob",
		BreakCredentials: func(t testing.TB) {
			// a well-formed key that is not the account's
			t.Setenv("AZURE_STORAGE_CONNECTION_STRING", AzuriteConnectionString(port, "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk="))
		},
		makeBkt: func(t testing.TB, name string) {
			t.Helper()
			c, err := container.NewClientFromConnectionString(cs, name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Create(context.Background(), nil); err != nil {
				t.Fatalf("Azurite: create container %s: %v\n%s", name, err, p.out)
			}
		},
	}
}
