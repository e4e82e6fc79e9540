package fakemodel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// wholeBody is the non-streaming answer in the API's shape.
func wholeBody(api string, req Request, r Reply, id func(string) string) any {
	switch api {
	case APICompletions:
		msg := map[string]any{"role": "assistant", "content": nullable(r.Text)}
		if r.Thinking != "" {
			msg["reasoning_content"] = r.Thinking
		}
		if len(r.ToolCalls) > 0 {
			msg["tool_calls"] = chatCalls(r.ToolCalls, false)
		}
		return map[string]any{
			"id": id("chatcmpl-"), "object": "chat.completion", "created": 0, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": r.Finish}},
			"usage":   chatUsage(*r.Usage),
		}
	case APIResponses:
		return responseObject(req, r, id("resp_"), responsesOutput(r, id), responsesStatus(r))
	default:
		var content []any
		if r.Thinking != "" {
			content = append(content, map[string]any{"type": "thinking", "thinking": r.Thinking, "signature": "sig-" + id("")})
		}
		if r.Text != "" || len(r.ToolCalls) == 0 {
			content = append(content, map[string]any{"type": "text", "text": r.Text})
		}
		for _, c := range r.ToolCalls {
			content = append(content, map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": json.RawMessage(c.Arguments)})
		}
		return map[string]any{
			"id": id("msg_"), "type": "message", "role": "assistant", "model": req.Model,
			"content": content, "stop_reason": anthropicStop(r.Finish), "stop_sequence": nil,
			"usage": anthropicUsage(*r.Usage),
		}
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func chatCalls(calls []ToolCall, indexed bool) []any {
	var out []any
	for i, c := range calls {
		m := map[string]any{"id": c.ID, "type": "function", "function": map[string]any{"name": c.Name, "arguments": c.Arguments}}
		if indexed {
			m["index"] = i
		}
		out = append(out, m)
	}
	return out
}

func chatUsage(u Usage) map[string]any {
	return map[string]any{
		"prompt_tokens":         u.Input + u.CacheRead,
		"completion_tokens":     u.Output,
		"total_tokens":          u.Input + u.CacheRead + u.Output,
		"prompt_tokens_details": map[string]any{"cached_tokens": u.CacheRead},
	}
}

func anthropicUsage(u Usage) map[string]any {
	return map[string]any{
		"input_tokens": u.Input, "output_tokens": u.Output,
		"cache_read_input_tokens": u.CacheRead, "cache_creation_input_tokens": u.CacheWrite,
	}
}

func anthropicStop(finish string) string {
	switch finish {
	case "tool_calls":
		return "tool_use"
	case "length":
		return "max_tokens"
	}
	return "end_turn"
}

func responsesStatus(r Reply) string {
	if r.Finish == "length" {
		return "incomplete"
	}
	return "completed"
}

func responsesOutput(r Reply, id func(string) string) []any {
	var out []any
	if r.Thinking != "" {
		out = append(out, map[string]any{"type": "reasoning", "id": id("rs_"),
			"summary": []any{map[string]any{"type": "summary_text", "text": r.Thinking}}})
	}
	if r.Text != "" || len(r.ToolCalls) == 0 {
		out = append(out, map[string]any{"type": "message", "id": id("msg_"), "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": r.Text, "annotations": []any{}}}})
	}
	for _, c := range r.ToolCalls {
		out = append(out, map[string]any{"type": "function_call", "id": id("fc_"), "call_id": c.ID, "name": c.Name,
			"arguments": c.Arguments, "status": "completed"})
	}
	return out
}

func responseObject(req Request, r Reply, rid string, output []any, status string) map[string]any {
	obj := map[string]any{
		"id": rid, "object": "response", "created_at": 0, "model": req.Model, "status": status,
		"output": output,
		"usage": map[string]any{
			"input_tokens": r.Usage.Input + r.Usage.CacheRead, "output_tokens": r.Usage.Output,
			"total_tokens":          r.Usage.Input + r.Usage.CacheRead + r.Usage.Output,
			"input_tokens_details":  map[string]any{"cached_tokens": r.Usage.CacheRead},
			"output_tokens_details": map[string]any{"reasoning_tokens": 0},
		},
	}
	if status == "incomplete" {
		obj["incomplete_details"] = map[string]any{"reason": "max_output_tokens"}
	}
	return obj
}

// sseWriter writes events, flushing each and pausing between them.
type sseWriter struct {
	w     http.ResponseWriter
	r     *http.Request
	delay time.Duration
	ok    bool
}

func (s *sseWriter) send(event string, data any) {
	if !s.ok {
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		// Only scripted tool arguments that are not JSON get here; the
		// stream stops, as a broken server's would.
		fmt.Fprintf(s.w, ": fakemodel cannot encode event: %v\n\n", err)
		s.ok = false
		return
	}
	if event != "" {
		fmt.Fprintf(s.w, "event: %s\n", event)
	}
	fmt.Fprintf(s.w, "data: %s\n\n", raw)
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
	s.ok = sleep(s.r, s.delay)
}

func (s *sseWriter) raw(line string) {
	if !s.ok {
		return
	}
	fmt.Fprint(s.w, line)
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
}

func streamReply(w http.ResponseWriter, hr *http.Request, api string, req Request, r Reply, id func(string) string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s := &sseWriter{w: w, r: hr, delay: r.ChunkDelay, ok: true}
	switch api {
	case APICompletions:
		streamCompletions(s, req, r, id)
	case APIResponses:
		streamResponses(s, req, r, id)
	default:
		streamMessages(s, req, r, id)
	}
}

func streamCompletions(s *sseWriter, req Request, r Reply, id func(string) string) {
	cid := id("chatcmpl-")
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": cid, "object": "chat.completion.chunk", "created": 0, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	s.send("", chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for _, p := range split(r.Thinking, r.Chunks) {
		s.send("", chunk(map[string]any{"reasoning_content": p}, nil))
	}
	for _, p := range split(r.Text, r.Chunks) {
		s.send("", chunk(map[string]any{"content": p}, nil))
	}
	for i, c := range r.ToolCalls {
		s.send("", chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": c.ID, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": ""}}}}, nil))
		for _, p := range split(c.Arguments, 2) {
			s.send("", chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i,
				"function": map[string]any{"arguments": p}}}}, nil))
		}
	}
	if r.Truncate {
		return
	}
	s.send("", chunk(map[string]any{}, r.Finish))
	var opts struct {
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	_ = json.Unmarshal(req.Body, &opts)
	if opts.StreamOptions.IncludeUsage {
		s.send("", map[string]any{"id": cid, "object": "chat.completion.chunk", "created": 0, "model": req.Model,
			"choices": []any{}, "usage": chatUsage(*r.Usage)})
	}
	s.raw("data: [DONE]\n\n")
}

func streamResponses(s *sseWriter, req Request, r Reply, id func(string) string) {
	rid := id("resp_")
	seq := 0
	send := func(typ string, fields map[string]any) {
		fields["type"] = typ
		fields["sequence_number"] = seq
		seq++
		s.send(typ, fields)
	}
	send("response.created", map[string]any{"response": responseObject(req, r, rid, []any{}, "in_progress")})
	var output []any
	idx := 0
	if r.Thinking != "" {
		rsid := id("rs_")
		send("response.output_item.added", map[string]any{"output_index": idx, "item": map[string]any{"type": "reasoning", "id": rsid, "summary": []any{}}})
		for _, p := range split(r.Thinking, r.Chunks) {
			send("response.reasoning_summary_text.delta", map[string]any{"item_id": rsid, "output_index": idx, "summary_index": 0, "delta": p})
		}
		item := map[string]any{"type": "reasoning", "id": rsid, "summary": []any{map[string]any{"type": "summary_text", "text": r.Thinking}}}
		send("response.output_item.done", map[string]any{"output_index": idx, "item": item})
		output = append(output, item)
		idx++
	}
	if r.Text != "" || len(r.ToolCalls) == 0 {
		mid := id("msg_")
		send("response.output_item.added", map[string]any{"output_index": idx,
			"item": map[string]any{"type": "message", "id": mid, "role": "assistant", "status": "in_progress", "content": []any{}}})
		send("response.content_part.added", map[string]any{"item_id": mid, "output_index": idx, "content_index": 0,
			"part": map[string]any{"type": "output_text", "text": ""}})
		for _, p := range split(r.Text, r.Chunks) {
			send("response.output_text.delta", map[string]any{"item_id": mid, "output_index": idx, "content_index": 0, "delta": p})
		}
		send("response.output_text.done", map[string]any{"item_id": mid, "output_index": idx, "content_index": 0, "text": r.Text})
		item := map[string]any{"type": "message", "id": mid, "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": r.Text, "annotations": []any{}}}}
		send("response.output_item.done", map[string]any{"output_index": idx, "item": item})
		output = append(output, item)
		idx++
	}
	for _, c := range r.ToolCalls {
		fid := id("fc_")
		send("response.output_item.added", map[string]any{"output_index": idx,
			"item": map[string]any{"type": "function_call", "id": fid, "call_id": c.ID, "name": c.Name, "arguments": "", "status": "in_progress"}})
		for _, p := range split(c.Arguments, 2) {
			send("response.function_call_arguments.delta", map[string]any{"item_id": fid, "output_index": idx, "delta": p})
		}
		send("response.function_call_arguments.done", map[string]any{"item_id": fid, "output_index": idx, "arguments": c.Arguments})
		item := map[string]any{"type": "function_call", "id": fid, "call_id": c.ID, "name": c.Name, "arguments": c.Arguments, "status": "completed"}
		send("response.output_item.done", map[string]any{"output_index": idx, "item": item})
		output = append(output, item)
		idx++
	}
	if r.Truncate {
		return
	}
	status := responsesStatus(r)
	send("response."+status, map[string]any{"response": responseObject(req, r, rid, output, status)})
}

func streamMessages(s *sseWriter, req Request, r Reply, id func(string) string) {
	start := anthropicUsage(Usage{Input: r.Usage.Input, CacheRead: r.Usage.CacheRead, CacheWrite: r.Usage.CacheWrite, Output: 1})
	s.send("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": id("msg_"), "type": "message", "role": "assistant", "model": req.Model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": start}})
	idx := 0
	if r.Thinking != "" {
		s.send("content_block_start", map[string]any{"type": "content_block_start", "index": idx,
			"content_block": map[string]any{"type": "thinking", "thinking": ""}})
		for _, p := range split(r.Thinking, r.Chunks) {
			s.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
				"delta": map[string]any{"type": "thinking_delta", "thinking": p}})
		}
		s.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
			"delta": map[string]any{"type": "signature_delta", "signature": "sig-" + id("")}})
		s.send("content_block_stop", map[string]any{"type": "content_block_stop", "index": idx})
		idx++
	}
	if r.Text != "" || len(r.ToolCalls) == 0 {
		s.send("content_block_start", map[string]any{"type": "content_block_start", "index": idx,
			"content_block": map[string]any{"type": "text", "text": ""}})
		s.send("ping", map[string]any{"type": "ping"})
		for _, p := range split(r.Text, r.Chunks) {
			s.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
				"delta": map[string]any{"type": "text_delta", "text": p}})
		}
		s.send("content_block_stop", map[string]any{"type": "content_block_stop", "index": idx})
		idx++
	}
	for _, c := range r.ToolCalls {
		s.send("content_block_start", map[string]any{"type": "content_block_start", "index": idx,
			"content_block": map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": map[string]any{}}})
		for _, p := range split(c.Arguments, 2) {
			s.send("content_block_delta", map[string]any{"type": "content_block_delta", "index": idx,
				"delta": map[string]any{"type": "input_json_delta", "partial_json": p}})
		}
		s.send("content_block_stop", map[string]any{"type": "content_block_stop", "index": idx})
		idx++
	}
	if r.Truncate {
		return
	}
	s.send("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": anthropicStop(r.Finish), "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": r.Usage.Output}})
	s.send("message_stop", map[string]any{"type": "message_stop"})
}

// split cuts s into at most n pieces on rune boundaries.
func split(s string, n int) []string {
	if s == "" {
		return nil
	}
	r := []rune(s)
	size := max((len(r)+n-1)/n, 1)
	var out []string
	for len(r) > 0 {
		k := min(size, len(r))
		out = append(out, string(r[:k]))
		r = r[k:]
	}
	return out
}
