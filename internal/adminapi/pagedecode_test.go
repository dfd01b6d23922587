package adminapi

import (
	"reflect"
	"strings"
	"testing"

	segjson "github.com/segmentio/encoding/json"

	"github.com/Khan/genqlient/graphql"

	"github.com/authgear-audit/authgear-audit/internal/auditlog"
)

// oddPage holds null edges, null nodes, null data and optional fields, an
// escaped string, non-ASCII text and a totalCount.
var oddPage = `{"data":{"auditLogs":{"totalCount":5,"edges":[
	{"cursor":"c0","node":{"id":"` + auditlog.EventNodeID("e0") + `","createdAt":"2026-11-25T18:00:00+08:00","activityType":"USER_CREATED","ipAddress":null,"userAgent":null,"clientID":null,"data":{"context":{},"id":"e0"}}},
	{"cursor":"c1","node":null},
	null,
	{"cursor":"c3","node":{"id":"not-a-node-id","createdAt":"2026-11-25T10:00:01Z","activityType":"USER_DELETED","ipAddress":"","userAgent":"Caf\u00e9 \"x\" ☕","clientID":"","data":{"id":"raw-from-data","n":[1,-2.5e3,0,true,false,null,"\ud83d\ude00"],"context":{"user_id":"u9"}}}},
	{"cursor":"c4","node":{"id":"` + auditlog.EventNodeID("e4") + `","createdAt":"2026-11-25T10:00:02Z","activityType":"EMAIL_SENT","data":null}}
],"pageInfo":{"hasNextPage":false,"endCursor":null}}}}`

// decodeBoth decodes body into T with the fast path and with the general
// decoder alone.
func decodeBoth[T any](t *testing.T, body []byte) (fast, general T, fastRes, generalRes decoded, fastErr, generalErr error) {
	t.Helper()
	fastRes, fastErr = decodeResponse(body, &graphql.Response{Data: &fast})
	generalRes, generalErr = decodeWith(segjson.Unmarshal, body, &graphql.Response{Data: &general})
	return
}

// checkSame fails unless the fast path agrees with the general decoder on
// body, for both page responses.
func checkSame(t *testing.T, body []byte) {
	t.Helper()
	{
		f, g, fr, gr, fe, ge := decodeBoth[AuditLogPageResponse](t, body)
		if (fe == nil) != (ge == nil) || fr.dataNull != gr.dataNull || !reflect.DeepEqual(fr.errors, gr.errors) || !reflect.DeepEqual(f, g) {
			t.Fatalf("AuditLogPage differs on %q:\nfast    %+v %+v %v\ngeneral %+v %+v %v", body, f.AuditLogs, fr, fe, g.AuditLogs, gr, ge)
		}
	}
	{
		f, g, fr, gr, fe, ge := decodeBoth[AuditLogPageCountedResponse](t, body)
		if (fe == nil) != (ge == nil) || fr.dataNull != gr.dataNull || !reflect.DeepEqual(fr.errors, gr.errors) || !reflect.DeepEqual(f, g) {
			t.Fatalf("AuditLogPageCounted differs on %q:\nfast    %+v %+v %v\ngeneral %+v %+v %v", body, f.AuditLogs, fr, fe, g.AuditLogs, gr, ge)
		}
	}
}

func TestPageDecodersAgree(t *testing.T) {
	for name, body := range map[string]string{
		"page":         string(pageBody(100)),
		"odd":          oddPage,
		"empty edges":  `{"data":{"auditLogs":{"edges":[],"pageInfo":{"hasNextPage":false}}}}`,
		"null edges":   `{"data":{"auditLogs":{"edges":null,"pageInfo":null,"totalCount":null}}}`,
		"no edges":     `{"data":{"auditLogs":{}}}`,
		"null conn":    `{"data":{"auditLogs":null}}`,
		"null data":    `{"data":null}`,
		"no data":      `{}`,
		"extensions":   `{"data":{"auditLogs":{"edges":[]}},"extensions":{"cost":[1,2,{"a":"b"}]}}`,
		"extra field":  `{"data":{"auditLogs":{"edges":[{"cursor":"a","x":1,"node":{"id":"i","__typename":"AuditLog"}}]}}}`,
		"errors":       `{"errors":[{"message":"invalid user IDs"}],"data":null}`,
		"case":         `{"data":{"auditLogs":{"Edges":[]}}}`,
		"repeat":       `{"data":{"auditLogs":{"edges":[{"cursor":"a","cursor":"b"}]}}}`,
		"big total":    `{"data":{"auditLogs":{"totalCount":12345678901234567890}}}`,
		"float total":  `{"data":{"auditLogs":{"totalCount":1.0}}}`,
		"neg total":    `{"data":{"auditLogs":{"totalCount":-0}}}`,
		"bad time":     `{"data":{"auditLogs":{"edges":[{"node":{"createdAt":"yesterday"}}]}}}`,
		"bad data":     `{"data":{"auditLogs":{"edges":[{"node":{"data":{"a":tru}}}]}}}`,
		"control char": "{\"data\":{\"auditLogs\":{\"edges\":[{\"node\":{\"data\":\"a\tb\"}}]}}}",
		"invalid utf8": "{\"data\":{\"auditLogs\":{\"edges\":[{\"cursor\":\"\xff\",\"node\":{\"data\":\"\xfe\"}}]}}}",
		"bad escape":   `{"data":{"auditLogs":{"edges":[{"node":{"data":"\x"}}]}}}`,
		"number forms": `{"data":{"auditLogs":{"edges":[{"node":{"data":[0,-0,1.5,1e9,1E+9,-2.5e-3]}}]}}}`,
		"bad numbers":  `{"data":{"auditLogs":{"edges":[{"node":{"data":[01]}}]}}}`,
		"trailing":     `{"data":null} x`,
		"truncated":    string(pageBody(2)[:500]),
		"white space":  " {\n\"data\" : { \"auditLogs\" : { \"edges\" : [ null , { \"node\" : null } ] } } }\n",
		"wrong type":   `{"data":{"auditLogs":{"edges":[{"cursor":5}]}}}`,
		"bool cursor":  `{"data":{"auditLogs":{"pageInfo":{"hasNextPage":"yes"}}}}`,
		"top null":     `null`,
		"top array":    `[]`,
		"deep data":    `{"data":{"auditLogs":{"edges":[{"node":{"data":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}}]}}}`,
		"escaped key":  `{"data":{"auditLogs":{"\u0065dges":[]}}}`,
		"plain total":  `{"data":{"auditLogs":{"totalCount":7}}}`,
	} {
		t.Run(name, func(t *testing.T) { checkSame(t, []byte(body)) })
	}
}

// TestPageFastPathTaken: the plain shape does not fall back to the general
// decoder (which would agree, but slowly).
func TestPageFastPathTaken(t *testing.T) {
	for _, body := range []string{string(pageBody(3)), oddPage} {
		if _, _, ok := decodePageFast[AuditLogPageCountedAuditLogsAuditLogConnectionEdgesAuditLogEdge]([]byte(body), true); !ok {
			t.Errorf("fast path refused %.80q", body)
		}
	}
}

// FuzzPageDecoders: on any input the fast path and the general decoder
// agree.
func FuzzPageDecoders(f *testing.F) {
	f.Add(pageBody(2))
	f.Add([]byte(oddPage))
	f.Add([]byte(`{"data":{"auditLogs":{"totalCount":3,"edges":[],"pageInfo":{"hasNextPage":true,"endCursor":"x"}}}}`))
	f.Add([]byte(`{"data":{"auditLogs":{"edges":[{"node":{"data":[1,"a\u0041",{"b":null}]}}]}}}`))
	f.Fuzz(func(t *testing.T, body []byte) { checkSame(t, body) })
}
