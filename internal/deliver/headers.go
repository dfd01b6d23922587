package deliver

import (
	"fmt"
	"net/http"
	"net/textproto"
	"os"
	"strings"
)

// ParseHeaders reads --to-header values, NAME:VALUE each. The value's
// last word may name where the secret is instead of holding it:
//
//	Authorization:Splunk $HEC_TOKEN       the variable HEC_TOKEN
//	Authorization:Bearer @/run/secrets/t  the file's contents, without the final newline
//	DD-API-KEY:$DD_API_KEY                the whole value from a variable
//
// A last word that should start with a literal $ or @ doubles it ($$x
// is $x). getenv reads the environment. Errors name the header and where
// its value was to come from, never the value.
func ParseHeaders(specs []string, getenv func(string) string) (http.Header, []string, error) {
	h := http.Header{}
	var secrets []string
	for _, spec := range specs {
		name, value, ok := strings.Cut(spec, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			// The text may be a token given without its name: not shown.
			return nil, nil, fmt.Errorf("--to-header: a value is not NAME:VALUE: give it as, for example, Authorization:Bearer $TOKEN")
		}
		value = strings.TrimSpace(value)
		prefix, last := "", value
		if i := strings.LastIndexAny(value, " \t"); i >= 0 {
			prefix, last = value[:i+1], value[i+1:]
		}
		switch {
		case strings.HasPrefix(last, "$$"), strings.HasPrefix(last, "@@"):
			last = last[1:]
		case strings.HasPrefix(last, "$"):
			v := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(last, "$"), "{"), "}")
			if v == "" {
				return nil, nil, fmt.Errorf("--to-header %s: %q names no variable", name, last)
			}
			got := getenv(v)
			if got == "" {
				return nil, nil, fmt.Errorf("--to-header %s: the variable %s is not set or empty: export it, or give the value another way", name, v)
			}
			last = got
		case strings.HasPrefix(last, "@"):
			path := last[1:]
			raw, err := os.ReadFile(path)
			if err != nil {
				return nil, nil, fmt.Errorf("--to-header %s: read the value from %s: %w", name, path, err)
			}
			last = strings.TrimRight(string(raw), "\r\n")
			if last == "" {
				return nil, nil, fmt.Errorf("--to-header %s: %s is empty", name, path)
			}
		}
		if strings.ContainsAny(last, "\r\n") {
			return nil, nil, fmt.Errorf("--to-header %s: the value holds a line break", name)
		}
		value = prefix + last
		if value == "" {
			return nil, nil, fmt.Errorf("--to-header %s: the value is empty", name)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(name), value)
		secrets = append(secrets, last)
	}
	return h, secrets, nil
}
