package httpapi

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const docURL = "https://openclaw.invalid/api/v1/openapi.json"

// compileDoc loads the served OpenAPI document into a JSON Schema compiler
// so any of its schemas can be compiled by JSON pointer.
func compileDoc(t *testing.T, e *env) (map[string]any, *jsonschema.Compiler) {
	t.Helper()
	r := e.do("GET", "/api/v1/openapi.json", nil, "")
	if r.status != 200 {
		t.Fatalf("openapi.json: %d", r.status)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(docURL, doc); err != nil {
		t.Fatal(err)
	}
	return doc.(map[string]any), c
}

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	e := newEnv(t, nil)
	doc, c := compileDoc(t, e)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi %v", doc["openapi"])
	}
	info := doc["info"].(map[string]any)
	if info["title"] == "" || info["version"] != "9.9.9-test" {
		t.Fatalf("info %v", info)
	}
	paths := doc["paths"].(map[string]any)
	documented := map[string]bool{}
	for p, ops := range paths {
		for m := range ops.(map[string]any) {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	registered := map[string]bool{"GET /api/v1/openapi.json": true}
	for _, rt := range e.api.Routes() {
		registered[rt.Method+" "+rt.Path] = true
	}
	if fmt.Sprint(sortedKeys(documented)) != fmt.Sprint(sortedKeys(registered)) {
		t.Fatalf("documented %v\nregistered %v", sortedKeys(documented), sortedKeys(registered))
	}
	// Every operation is well-formed: an id, path params declared, responses.
	ids := map[string]bool{}
	for p, ops := range paths {
		for m, raw := range ops.(map[string]any) {
			op := raw.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: missing or duplicate operationId %q", m, p, id)
			}
			ids[id] = true
			if _, ok := op["responses"].(map[string]any); !ok {
				t.Errorf("%s %s: no responses", m, p)
			}
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, prm := range params {
				pm := prm.(map[string]any)
				if pm["in"] == "path" {
					declared[pm["name"].(string)] = true
				}
			}
			for _, want := range regexp.MustCompile(`\{([A-Za-z]+)\}`).FindAllStringSubmatch(p, -1) {
				if !declared[want[1]] {
					t.Errorf("%s %s: path parameter %s not declared", m, p, want[1])
				}
			}
		}
	}
	// Every $ref resolves and every component schema compiles.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				if _, err := c.Compile(docURL + r); err != nil && strings.HasPrefix(r, "#/components/schemas/") {
					t.Errorf("$ref %s: %v", r, err)
				} else if strings.HasPrefix(r, "#/components/responses/") {
					name := strings.TrimPrefix(r, "#/components/responses/")
					if _, ok := doc["components"].(map[string]any)["responses"].(map[string]any)[name]; !ok {
						t.Errorf("$ref %s does not resolve", r)
					}
				}
			}
			for _, vv := range x {
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	walk(doc)
	for name := range doc["components"].(map[string]any)["schemas"].(map[string]any) {
		if _, err := c.Compile(docURL + "#/components/schemas/" + name); err != nil {
			t.Errorf("schema %s: %v", name, err)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPIResponsesMatchSchemas calls every documented route and checks
// the real response against the documented status and schema.
func TestOpenAPIResponsesMatchSchemas(t *testing.T) {
	e := newEnv(t, nil)
	hook := httptest.NewServer(&hookReceiver{})
	defer hook.Close()
	doc, c := compileDoc(t, e)

	// State the calls need: a session with messages, a webhook.
	sess := e.authed("POST", "/api/v1/chat", map[string]any{"message": "seed"}).json(t)["session_id"].(string)
	msgs := e.authed("GET", "/api/v1/sessions/"+sess+"/messages", nil).json(t)["messages"].([]any)
	msgID := msgs[0].(map[string]any)["id"].(string)
	hookID := e.authed("POST", "/api/v1/webhooks", map[string]any{"url": hook.URL, "events": []string{"*"}}).json(t)["id"].(string)
	doomed := e.authed("POST", "/api/v1/sessions", map[string]any{"name": "doomed"}).json(t)["id"].(string)
	doomedHook := e.authed("POST", "/api/v1/webhooks", map[string]any{"url": hook.URL, "events": []string{"*"}}).json(t)["id"].(string)

	calls := map[string]struct {
		path string
		body any
	}{
		"GET /api/v1/status":                   {"/api/v1/status", nil},
		"POST /api/v1/messages":                {"/api/v1/messages", map[string]any{"content": "hi"}},
		"DELETE /api/v1/messages/{id}":         {"/api/v1/messages/" + msgID, nil},
		"POST /api/v1/agents/{agentId}/invoke": {"/api/v1/agents/main/invoke", map[string]any{"message": "hi"}},
		"GET /api/v1/channels":                 {"/api/v1/channels", nil},
		"POST /api/v1/chat":                    {"/api/v1/chat", map[string]any{"message": "hi"}},
		"POST /api/v1/chat/stream":             {"/api/v1/chat/stream", map[string]any{"message": "hi"}},
		"POST /api/v1/sessions":                {"/api/v1/sessions", map[string]any{"name": "n"}},
		"GET /api/v1/sessions":                 {"/api/v1/sessions", nil},
		"GET /api/v1/sessions/{id}":            {"/api/v1/sessions/" + sess, nil},
		"DELETE /api/v1/sessions/{id}":         {"/api/v1/sessions/" + doomed, nil},
		"GET /api/v1/sessions/{id}/messages":   {"/api/v1/sessions/" + sess + "/messages", nil},
		"GET /api/v1/skills":                   {"/api/v1/skills", nil},
		"POST /api/v1/skills/{name}/run":       {"/api/v1/skills/weather/run", map[string]any{"params": map[string]any{}}},
		"GET /api/v1/config":                   {"/api/v1/config", nil},
		"PATCH /api/v1/config":                 {"/api/v1/config", map[string]any{"gateway": map[string]any{"port": 18790}}},
		"POST /api/v1/webhooks":                {"/api/v1/webhooks", map[string]any{"url": hook.URL, "events": []string{"message.created"}}},
		"GET /api/v1/webhooks":                 {"/api/v1/webhooks", nil},
		"GET /api/v1/webhooks/{id}":            {"/api/v1/webhooks/" + hookID, nil},
		"DELETE /api/v1/webhooks/{id}":         {"/api/v1/webhooks/" + doomedHook, nil},
		"POST /api/v1/webhooks/{id}/test":      {"/api/v1/webhooks/" + hookID + "/test", nil},
	}
	paths := doc["paths"].(map[string]any)
	for _, rt := range e.api.Routes() {
		key := rt.Method + " " + rt.Path
		call, ok := calls[key]
		if !ok {
			t.Errorf("no conformance call for %s; add one", key)
			continue
		}
		r := e.authed(rt.Method, call.path, call.body)
		if r.status != rt.Status {
			t.Errorf("%s: status %d, documented %d: %s", key, r.status, rt.Status, r.body)
			continue
		}
		op := paths[rt.Path].(map[string]any)[strings.ToLower(rt.Method)].(map[string]any)
		content := op["responses"].(map[string]any)[strconv.Itoa(rt.Status)].(map[string]any)["content"].(map[string]any)
		if rt.Stream {
			if _, ok := content["text/event-stream"]; !ok || !strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream") {
				t.Errorf("%s: stream not documented or not served as text/event-stream", key)
			}
			continue
		}
		pointer := fmt.Sprintf("#/paths/%s/%s/responses/%d/content/application~1json/schema",
			strings.ReplaceAll(strings.ReplaceAll(rt.Path, "~", "~0"), "/", "~1"), strings.ToLower(rt.Method), rt.Status)
		sch, err := c.Compile(docURL + pointer)
		if err != nil {
			t.Errorf("%s: compile response schema: %v", key, err)
			continue
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
		if err != nil {
			t.Errorf("%s: response is not JSON: %s", key, r.body)
			continue
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: response does not match its schema: %v\n%s", key, err, r.body)
		}
	}

	// Error responses match the Error schema too.
	errSchema, err := c.Compile(docURL + "#/components/schemas/Error")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []response{
		e.do("GET", "/api/v1/status", nil, ""),
		e.authed("GET", "/api/v1/sessions/missing", nil),
		e.authed("POST", "/api/v1/chat", map[string]any{}),
		e.authed("PUT", "/api/v1/status", nil),
		e.authed("GET", "/api/v1/none", nil),
	} {
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
		if err := errSchema.Validate(inst); err != nil {
			t.Errorf("error response %d does not match Error: %v\n%s", r.status, err, r.body)
		}
	}
}
