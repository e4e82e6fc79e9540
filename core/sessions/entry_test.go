package sessions

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestEntryFieldListMatchesTags(t *testing.T) {
	typ := reflect.TypeFor[Entry]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if !isEntryField(name) {
			t.Errorf("field %s (json %q) is missing from isEntryField", typ.Field(i).Name, name)
		}
	}
}

func TestEntryKeepsUnknownFields(t *testing.T) {
	in := `{"sessionId":"abc","updatedAt":5,"modelOverride":"gpt-5","origin":{"provider":"telegram"},"pinnedAt":7}`
	var e Entry
	if err := json.Unmarshal([]byte(in), &e); err != nil {
		t.Fatal(err)
	}
	if e.SessionID != "abc" || e.ModelOverride != "gpt-5" || len(e.Extra) != 2 {
		t.Fatalf("decoded %+v", e)
	}
	out, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("re-encoded entry is not JSON: %v: %s", err, out)
	}
	for _, k := range []string{"sessionId", "updatedAt", "modelOverride", "origin", "pinnedAt"} {
		if _, ok := back[k]; !ok {
			t.Errorf("key %q lost on rewrite: %s", k, out)
		}
	}
	// An Extra key that shadows a known field must not produce duplicates.
	e.Extra["sessionId"] = json.RawMessage(`"evil"`)
	out, _ = json.Marshal(e)
	if strings.Count(string(out), `"sessionId"`) != 1 {
		t.Errorf("duplicate sessionId in %s", out)
	}
}
