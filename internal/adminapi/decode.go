package adminapi

import (
	"encoding/json"

	"github.com/Khan/genqlient/graphql"
)

// gqlError is one entry of a GraphQL errors array; only the message is used.
type gqlError struct {
	Message string `json:"message"`
}

// envelope is a GraphQL answer. Data holds a pointer to the generated
// response struct, so the events are decoded straight into it.
type envelope struct {
	Data   any        `json:"data"`
	Errors []gqlError `json:"errors"`
}

type decoded struct {
	errors   []gqlError
	dataNull bool // "data": null
}

// decodeResponse decodes a GraphQL answer into resp.Data.
func decodeResponse(body []byte, resp *graphql.Response) (decoded, error) {
	env := envelope{Data: resp.Data}
	if err := unmarshal(body, &env); err != nil {
		return decoded{}, err
	}
	return decoded{errors: env.Errors, dataNull: env.Data == nil}, nil
}

// unmarshal is the JSON decoder of answers.
func unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
