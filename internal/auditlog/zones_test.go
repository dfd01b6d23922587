package auditlog_test

import (
	"archive/zip"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

var update = flag.Bool("update", false, "rewrite zones.txt from Go's zone database")

// areaZone is a zone name of the form Area/Location.
var areaZone = regexp.MustCompile(`^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/`)

// TestZoneNames: every name offered loads, the list is sorted and holds the
// zones people use. With -update it is rewritten from the zone database
// of the Go that runs the test.
func TestZoneNames(t *testing.T) {
	if *update {
		goroot, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip"))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		var names []string
		for _, f := range zr.File {
			if areaZone.MatchString(f.Name) {
				names = append(names, f.Name)
			}
		}
		slices.Sort(names)
		if err := os.WriteFile("zones.txt", []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("rewrote zones.txt; run again without -update")
	}
	names := auditlog.ZoneNames()
	if len(names) < 400 || !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Fatalf("%d names, sorted %v, or with duplicates", len(names), slices.IsSorted(names))
	}
	for _, n := range names {
		if !areaZone.MatchString(n) {
			t.Errorf("%s is not of the form Area/Location", n)
		}
		if _, err := time.LoadLocation(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		if _, err := auditlog.ParseZone(n); err != nil {
			t.Errorf("--tz %s: %v", n, err)
		}
	}
	for _, want := range []string{"Asia/Hong_Kong", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney"} {
		if _, found := slices.BinarySearch(names, want); !found {
			t.Errorf("%s is missing", want)
		}
	}
}
