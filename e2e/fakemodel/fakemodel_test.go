package fakemodel

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const chatBody = `{"model":"m","messages":[{"role":"user","content":"hi"}]}`

func TestUnscriptedRequestFails(t *testing.T) {
	srv := New(t)
	status, body := post(t, srv.OpenAIBaseURL()+"/chat/completions", chatBody, nil)
	if status != 500 || !strings.Contains(body, `no scripted reply for model \"m\"`) {
		t.Errorf("%d %s", status, body)
	}
}

func TestScriptOrder(t *testing.T) {
	srv := New(t)
	srv.Script(Text("shared"))
	srv.ScriptModel("m", Text("for m"))
	srv.Respond(func(r Request) Reply { return Text("responder") })
	var got []string
	for i := 0; i < 3; i++ {
		_, body := post(t, srv.OpenAIBaseURL()+"/chat/completions", chatBody, nil)
		var resp struct {
			Choices []struct {
				Message struct{ Content string } `json:"message"`
			} `json:"choices"`
		}
		_ = json.Unmarshal([]byte(body), &resp)
		got = append(got, resp.Choices[0].Message.Content)
	}
	if strings.Join(got, ",") != "for m,shared,responder" {
		t.Errorf("replies = %v", got)
	}
	if srv.Pending() != 0 || len(srv.Requests()) != 3 {
		t.Errorf("pending %d, requests %d", srv.Pending(), len(srv.Requests()))
	}
}

func TestRequireKey(t *testing.T) {
	srv := New(t)
	srv.RequireKey("good")
	srv.Respond(EchoResponder)
	if status, _ := post(t, srv.OpenAIBaseURL()+"/chat/completions", chatBody, map[string]string{"Authorization": "Bearer bad"}); status != 401 {
		t.Errorf("bad key: %d", status)
	}
	status, body := post(t, srv.AnthropicBaseURL()+"/v1/messages", `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"yo"}]}`,
		map[string]string{"x-api-key": "good", "anthropic-version": "2023-06-01"})
	if status != 200 || !strings.Contains(body, "echo: yo") {
		t.Errorf("good key: %d %s", status, body)
	}
}

func TestRejectsWhatRealAPIsReject(t *testing.T) {
	anth := map[string]string{"anthropic-version": "2023-06-01"}
	tests := []struct {
		name, path, body string
		header           map[string]string
		want             string
	}{
		{"not json", "/v1/chat/completions", `{`, nil, "not a JSON object"},
		{"no model", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, nil, "model is required"},
		{"orphan tool result", "/v1/chat/completions", `{"model":"m","messages":[{"role":"tool","tool_call_id":"x","content":"r"}]}`, nil, "unknown call id"},
		{"responses orphan output", "/v1/responses", `{"model":"m","input":[{"type":"function_call_output","call_id":"x","output":"r"}]}`, nil, "unknown call id"},
		{"no max_tokens", "/v1/messages", `{"model":"m","messages":[{"role":"user","content":"x"}]}`, anth, "max_tokens"},
		{"no version", "/v1/messages", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"}]}`, nil, "anthropic-version"},
		{"roles not alternating", "/v1/messages", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"},{"role":"user","content":"y"}]}`, anth, "alternate"},
		{"bad tool args", "/v1/chat/completions", `{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}`, nil, "not JSON"},
	}
	for _, tt := range tests {
		srv := New(t)
		status, body := post(t, srv.URL+tt.path, tt.body, tt.header)
		if status != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want 400 mentioning %q", tt.name, status, body, tt.want)
		}
	}
}

func TestModelsList(t *testing.T) {
	srv := New(nil)
	defer srv.Close()
	srv.Models("a")
	srv.ScriptModel("b", Text("x"))
	for _, tt := range []struct {
		header map[string]string
		want   string
	}{
		{nil, `"object":"list"`},
		{map[string]string{"anthropic-version": "2023-06-01"}, `"has_more":false`},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.OpenAIBaseURL()+"/models", nil)
		for k, v := range tt.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), tt.want) || !strings.Contains(string(b), `"id":"a"`) || !strings.Contains(string(b), `"id":"b"`) {
			t.Errorf("models = %s", b)
		}
	}
}
