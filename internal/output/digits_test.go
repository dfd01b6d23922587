package output

import (
	"math"
	"testing"
)

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567",
		-1234: "-1,234", -999: "-999", math.MinInt64: "-9,223,372,036,854,775,808",
	} {
		if got := GroupDigits(n); got != want {
			t.Errorf("GroupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
