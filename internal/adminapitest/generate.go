package adminapitest

//go:generate go run ./cmd/gensample -out ../../examples/sample-export.jsonl
