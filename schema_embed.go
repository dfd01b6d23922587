// Package authgearaudit holds what the whole module shares at its root: the
// Admin API schema subset (schema.graphql) that genqlient checks our queries
// against and that the stand-in server in internal/adminapitest serves.
package authgearaudit

import _ "embed"

// Schema is the text of schema.graphql.
//
//go:embed schema.graphql
var Schema string
