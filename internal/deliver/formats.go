package deliver

import (
	"fmt"
	"strings"

	"github.com/authgear-audit/authgear-audit/internal/siem"
)

// FormatOptions are the receiver settings of the formats that take them.
type FormatOptions struct {
	// Index is Splunk's index (empty: the token's default) or
	// Elasticsearch's index, alias or data stream (empty: the one in the
	// URL's path, /INDEX/_bulk, else siem's default).
	Index string
	// SourceType is Splunk's sourcetype; empty takes siem's default.
	SourceType string
}

// HTTPFormat is the Format of an HTTP target.
func HTTPFormat(t Target, o FormatOptions) (Format, error) {
	switch t.Format {
	case FormatJSONL:
		return JSONL(), nil
	case FormatSplunk:
		return siem.Splunk(siem.SplunkOptions{Index: o.Index, SourceType: o.SourceType}), nil
	case FormatElasticsearch:
		index := o.Index
		if index == "" {
			index = bulkIndex(t.URL.Path)
		}
		return siem.Elasticsearch(siem.ElasticOptions{Index: index}), nil
	case FormatOTLP:
		return siem.OTLP(false), nil
	case FormatOTLPProto:
		return siem.OTLP(true), nil
	}
	return nil, fmt.Errorf("--to-format %s is not an HTTP format", t.Format)
}

// bulkIndex is INDEX of a path /INDEX/_bulk, or "".
func bulkIndex(path string) string {
	p := strings.Trim(path, "/")
	if rest, ok := strings.CutSuffix(p, "/_bulk"); ok && !strings.Contains(rest, "/") {
		return rest
	}
	return ""
}
