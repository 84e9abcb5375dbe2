package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"parley/internal/chat"
	"parley/internal/clientjson"
)

// decodeJSON reads one JSON object from a body already bounded by
// http.MaxBytesReader. Unknown fields are ignored (clients may be newer than
// the server); malformed JSON, text that is not valid Unicode, wrong types,
// trailing data and a missing required field are Invalid. A request type's
// fields tagged `required:"true"` are the required properties of its schema
// in api/openapi.yaml (TestSpecRequiredFieldsAreEnforced in internal/e2e
// holds the two equal).
func decodeJSON(body io.Reader, v any) error {
	data, err := io.ReadAll(body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return chat.Wrap(chat.TooLarge, errTooLarge, "request body too large")
	}
	if errors.Is(err, errBodyTooSlow) {
		return chat.Wrap(chat.Invalid, err, errBodyTooSlow.Error())
	}
	if err != nil {
		return chat.Wrap(chat.Invalid, err, "could not read request body")
	}
	return decodeBytes(data, v)
}

func decodeBytes(data []byte, v any) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return chat.Errorf(chat.Invalid, "request body must be a JSON object")
	}
	if err := clientjson.Check(data); err != nil {
		return chat.Errorf(chat.Invalid, "request body %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return chat.Errorf(chat.Invalid, "field %s has the wrong type", typeErr.Field)
		}
		return chat.Errorf(chat.Invalid, "malformed JSON")
	}
	if dec.More() {
		return chat.Errorf(chat.Invalid, "trailing data after the JSON object")
	}
	if err := clientjson.Required(data, v); err != nil {
		return chat.Errorf(chat.Invalid, "%v", err)
	}
	return nil
}

// isJSON reports whether a media type (parameters already removed) is
// JSON: application/json, or a structured +json type.
func isJSON(mediaType string) bool {
	mediaType = strings.ToLower(mediaType)
	return mediaType == "application/json" || strings.HasPrefix(mediaType, "application/") && strings.HasSuffix(mediaType, "+json")
}

// parseSeq parses a non-negative seq from a path or query value; "" is 0.
func parseSeq(name, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, chat.Errorf(chat.Invalid, "%s must be a non-negative integer", name)
	}
	return n, nil
}
