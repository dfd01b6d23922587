package codec

import (
	"encoding/json"
	"fmt"

	gojson "github.com/goccy/go-json"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// decodeEvent decodes one JSON record and checks its required fields.
//
// The decoder is github.com/goccy/go-json, as for the API's pages: on
// export records it is faster than encoding/json and than the hand-written
// decoder it replaced (BenchmarkReadJSONL). A record it refuses goes to
// encoding/json, which then decides and words the message; a fuzz test
// checks that the two agree wherever goccy answers.
func decodeEvent(b []byte) (*auditlog.Event, error) {
	e := new(auditlog.Event)
	if err := gojson.Unmarshal(b, e); err != nil {
		*e = auditlog.Event{}
		if err := json.Unmarshal(b, e); err != nil {
			return nil, fmt.Errorf("invalid JSON: %s", shortJSONError(err))
		}
	}
	if err := checkEvent(e); err != nil {
		return nil, err
	}
	return e, nil
}
