package models

import (
	"encoding/json"
	"math"
)

// controlParam reports params keys that steer the gateway itself rather than
// the provider's API; they are never put on the wire.
func controlParam(key string) bool {
	switch key {
	case "cacheRetention", "context1m", "anthropicServerCompaction", "anthropicCompactThreshold",
		"responsesServerCompaction", "responsesCompactThreshold", "preserveThinking", "fastMode",
		"preload", "agentRuntime", "codeMode", "pickerRuntimes", "transport":
		return true
	}
	return false
}

// params merges the params layers for a model, later layers winning by key:
// the provider's, agents.defaults.params, agents.defaults.models[ref].params,
// the agent's models[ref].params, the agent's params.
func (r *Router) params(ref Ref, agent *AgentModels) map[string]any {
	layers := []map[string]any{
		r.cfg.Providers[ref.Provider].Params,
		r.defaults.Params,
		entry(r.defaults.Models, ref).Params,
	}
	if agent != nil {
		layers = append(layers, entry(agent.Models, ref).Params, agent.Params)
	}
	var out map[string]any
	for _, l := range layers {
		for k, v := range l {
			if out == nil {
				out = make(map[string]any)
			}
			out[k] = v
		}
	}
	return out
}

// prepare fills a request in for one model: the model id, the catalogue's
// output cap, the config's params (the caller's own values win), and images
// replaced by a note when the model is known to take text only.
func (r *Router) prepare(req Request, ref Ref, info ModelInfo, agent *AgentModels) Request {
	req.Model = ref.Model
	params := r.params(ref, agent)
	if v, ok := params["temperature"]; ok {
		if t, ok := number(v); ok && req.Temperature == nil {
			req.Temperature = &t
		}
	}
	if v, ok := params["maxTokens"]; ok {
		if n, ok := number(v); ok && req.MaxTokens == 0 && n > 0 {
			req.MaxTokens = int(n)
		}
	}
	if req.MaxTokens == 0 {
		req.MaxTokens = info.MaxTokens
	}
	var wire map[string]any
	for k, v := range params {
		if k == "temperature" || k == "maxTokens" || controlParam(k) {
			continue
		}
		if wire == nil {
			wire = make(map[string]any)
		}
		wire[k] = v
	}
	for k, v := range req.Params {
		if wire == nil {
			wire = make(map[string]any)
		}
		wire[k] = v
	}
	req.Params = wire
	if !info.AcceptsImages() {
		req.Messages = withoutImages(req.Messages)
	}
	return req
}

// entry finds a model's settings; provider ids in the keys may be written in
// any case.
func entry(m map[string]ModelEntry, ref Ref) ModelEntry {
	if e, ok := m[ref.String()]; ok {
		return e
	}
	for k, e := range m {
		if r, err := ParseRef(k); err == nil && r.Provider == ref.Provider && r.Model == ref.Model {
			return e
		}
	}
	return ModelEntry{}
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// withoutImages replaces image parts with a short note, copying only when
// there is something to replace.
func withoutImages(msgs []Message) []Message {
	var out []Message
	for i, m := range msgs {
		has := false
		for _, p := range m.Content {
			if p.Type == PartImage {
				has = true
				break
			}
		}
		if !has {
			if out != nil {
				out = append(out, m)
			}
			continue
		}
		if out == nil {
			out = append(make([]Message, 0, len(msgs)), msgs[:i]...)
		}
		parts := make([]Part, 0, len(m.Content))
		for _, p := range m.Content {
			if p.Type == PartImage {
				note := "[image omitted: this model does not accept images]"
				if p.Image != nil && p.Image.URL != "" && len(p.Image.URL) < 512 && !isDataURL(p.Image.URL) {
					note = "[image omitted: this model does not accept images: " + p.Image.URL + "]"
				}
				p = TextPart(note)
			}
			parts = append(parts, p)
		}
		m.Content = parts
		out = append(out, m)
	}
	if out == nil {
		return msgs
	}
	return out
}

func isDataURL(s string) bool { return len(s) >= 5 && s[:5] == "data:" }
