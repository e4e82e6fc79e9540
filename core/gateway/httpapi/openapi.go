package httpapi

import (
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/openclaw-go/openclaw/core/gateway/webhooks"
)

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }

func obj(required []string, props map[string]any) map[string]any {
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func arr(items map[string]any) map[string]any { return map[string]any{"type": "array", "items": items} }

var (
	str      = map[string]any{"type": "string"}
	integer  = map[string]any{"type": "integer"}
	boolean  = map[string]any{"type": "boolean"}
	anyObj   = map[string]any{"type": "object"}
	nullTime = map[string]any{"type": []any{"string", "null"}, "description": "RFC 3339 timestamp"}
)

func componentSchemas() map[string]any {
	events := make([]any, 0, len(webhooks.KnownEvents))
	for _, e := range webhooks.KnownEvents {
		events = append(events, e)
	}
	codes := make([]any, 0, len(restCodes))
	for _, c := range restCodes {
		codes = append(codes, c)
	}
	channel := obj([]string{"id", "label", "status", "accounts"}, map[string]any{
		"id": str, "label": str,
		"status": map[string]any{"type": "string", "enum": []any{"connected", "disconnected", "disabled", "error"}},
		"accounts": arr(obj([]string{"accountId", "enabled", "configured", "running", "connected"}, map[string]any{
			"accountId": str, "enabled": boolean, "configured": boolean, "running": boolean, "connected": boolean,
			"lastError": str, "probe": anyObj,
		})),
	})
	webhook := obj([]string{"id", "url", "events", "createdAt"}, map[string]any{
		"id": str, "url": str, "events": arr(str), "description": str, "createdAt": nullTime,
	})
	return map[string]any{
		"Error": obj([]string{"error"}, map[string]any{
			"error": obj([]string{"code", "message", "details"}, map[string]any{
				"code": map[string]any{"type": "string", "enum": codes}, "message": str, "details": anyObj,
			}),
		}),
		"Usage":    obj([]string{"input", "output", "total"}, map[string]any{"input": integer, "output": integer, "total": integer}),
		"ToolCall": obj([]string{"id", "name"}, map[string]any{"id": str, "name": str, "args": map[string]any{}, "result": str, "isError": boolean, "durationMs": integer}),
		"MessageRequest": obj(nil, map[string]any{
			"content": map[string]any{"type": "string", "description": "the message (\"message\" is accepted too)"}, "message": str,
			"agentId": str, "sessionId": map[string]any{"type": "string", "description": "an existing session id or key, or a new tracking id"},
			"channel": str, "metadata": anyObj, "timeoutMs": map[string]any{"type": "integer", "minimum": 0},
		}),
		"InvokeRequest": obj(nil, map[string]any{"content": str, "message": str, "sessionId": str, "timeoutMs": map[string]any{"type": "integer", "minimum": 0}}),
		"RunResult": obj([]string{"status", "runId", "finalReply", "toolCalls", "durationMs", "usage"}, map[string]any{
			"status": map[string]any{"type": "string", "enum": []any{"completed"}}, "runId": str, "finalReply": str,
			"toolCalls": arr(ref("ToolCall")), "durationMs": integer, "agentId": str, "sessionId": str, "sessionKey": str,
			"messageId": str, "usage": ref("Usage"),
		}),
		"Agent":       obj([]string{"id"}, map[string]any{"id": str, "name": str, "default": boolean, "model": str}),
		"Channel":     channel,
		"ChannelList": obj([]string{"channels"}, map[string]any{"channels": arr(ref("Channel"))}),
		"Status": obj([]string{"status", "version", "uptimeMs", "ready"}, map[string]any{
			"status": map[string]any{"type": "string", "enum": []any{"ok", "degraded", "draining"}}, "version": str,
			"uptimeMs": integer, "ready": boolean, "activeRuns": integer, "failing": arr(str), "defaultAgentId": str,
			"agents": arr(ref("Agent")), "channels": arr(ref("Channel")), "sessions": obj([]string{"count"}, map[string]any{"count": integer}),
			"plugins": obj([]string{"loaded", "errors"}, map[string]any{"loaded": arr(str), "errors": arr(obj([]string{"id", "error"}, map[string]any{"id": str, "error": str}))}),
		}),
		"ChatRequest": obj([]string{"message"}, map[string]any{
			"message": str, "session_id": map[string]any{"type": "string", "description": "an existing session; omit to start one"},
			"model": map[string]any{"type": "string", "description": "openclaw/<agentId> or a catalog model"}, "agent_id": str,
		}),
		"ChatResult": obj([]string{"response", "session_id", "tokens"}, map[string]any{
			"response": str, "session_id": str, "run_id": str, "tokens": obj([]string{"input", "output"}, map[string]any{"input": integer, "output": integer}),
		}),
		"Session": obj([]string{"id", "key", "agentId", "createdAt", "updatedAt", "messageCount"}, map[string]any{
			"id": str, "key": str, "agentId": str, "name": str, "model": str, "channel": str,
			"createdAt": nullTime, "updatedAt": nullTime, "messageCount": integer, "active": boolean,
		}),
		"SessionCreate": obj(nil, map[string]any{"name": str, "model": str, "agentId": str, "key": str}),
		"SessionList":   obj([]string{"sessions", "total", "limit", "offset"}, map[string]any{"sessions": arr(ref("Session")), "total": integer, "limit": integer, "offset": integer}),
		"Message": obj([]string{"id", "role", "content", "createdAt"}, map[string]any{
			"id": str, "sessionId": str, "role": str, "content": str, "createdAt": nullTime, "model": str, "toolCalls": arr(ref("ToolCall")),
		}),
		"MessageList": obj([]string{"messages", "total", "limit", "offset", "order"}, map[string]any{
			"sessionId": str, "messages": arr(ref("Message")), "total": integer, "limit": integer, "offset": integer,
			"order": map[string]any{"type": "string", "enum": []any{"asc", "desc"}},
		}),
		"Deleted": obj([]string{"deleted", "id"}, map[string]any{"deleted": map[string]any{"const": true}, "id": str}),
		"Skill": obj([]string{"name", "eligible"}, map[string]any{
			"name": str, "description": str, "source": str, "eligible": boolean, "disabled": boolean, "missing": arr(str),
		}),
		"SkillList":       obj([]string{"skills"}, map[string]any{"agentId": str, "skills": arr(ref("Skill"))}),
		"SkillRunRequest": obj(nil, map[string]any{"params": anyObj, "agentId": str, "sessionId": str}),
		"SkillRunResult": obj([]string{"status", "skill", "output", "runId", "durationMs"}, map[string]any{
			"status": map[string]any{"type": "string", "enum": []any{"completed"}}, "skill": str, "output": str, "runId": str,
			"sessionId": str, "durationMs": integer, "toolCalls": arr(ref("ToolCall")),
		}),
		"Issue":             obj([]string{"path", "message"}, map[string]any{"path": str, "message": str}),
		"ConfigSnapshot":    obj([]string{"config", "hash", "path", "valid", "issues"}, map[string]any{"config": anyObj, "hash": str, "path": str, "valid": boolean, "issues": arr(ref("Issue"))}),
		"ConfigWriteResult": obj([]string{"config", "hash", "restartRequired"}, map[string]any{"config": anyObj, "hash": str, "restartRequired": boolean}),
		"WebhookCreate": obj([]string{"url", "events"}, map[string]any{
			"url": map[string]any{"type": "string", "format": "uri"}, "events": map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"type": "string", "enum": events}},
			"secret": map[string]any{"type": "string", "minLength": 16}, "description": str,
		}),
		"Webhook":           webhook,
		"WebhookCreated":    map[string]any{"allOf": []any{ref("Webhook"), obj([]string{"secret"}, map[string]any{"secret": map[string]any{"type": "string", "description": "HMAC-SHA256 key; shown once"}})}},
		"WebhookList":       obj([]string{"webhooks"}, map[string]any{"webhooks": arr(ref("Webhook"))}),
		"WebhookTestResult": obj([]string{"delivered", "attempts"}, map[string]any{"delivered": boolean, "statusCode": integer, "attempts": integer, "error": str}),
	}
}

var pathParam = regexp.MustCompile(`\{([A-Za-z]+)\}`)

func operationID(rt Route) string {
	parts := []string{strings.ToLower(rt.Method)}
	for _, seg := range strings.Split(strings.TrimPrefix(rt.Path, "/api/v1/"), "/") {
		seg = strings.Trim(seg, "{}")
		if seg == "" {
			continue
		}
		parts = append(parts, strings.ToUpper(seg[:1])+seg[1:])
	}
	return strings.Join(parts, "")
}

func errorResponse(desc string) map[string]any {
	return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
}

// openAPIDocument describes /api/v1 from the registered routes.
func (a *API) openAPIDocument() map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range a.routes {
		op := map[string]any{"operationId": operationID(rt), "summary": rt.Summary, "tags": []string{rt.Tag}}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": str})
		}
		for _, q := range rt.Query {
			p := map[string]any{"name": q.Name, "in": "query", "required": false, "schema": q.Schema}
			if q.Description != "" {
				p["description"] = q.Description
			}
			params = append(params, p)
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": rt.Request}}}
		}
		contentType := "application/json"
		if rt.Stream {
			contentType = "text/event-stream"
		}
		responses := map[string]any{
			strconv.Itoa(rt.Status): map[string]any{"description": http.StatusText(rt.Status), "content": map[string]any{contentType: map[string]any{"schema": rt.Response}}},
			"400":                   map[string]any{"$ref": "#/components/responses/BadRequest"},
			"401":                   map[string]any{"$ref": "#/components/responses/Unauthorized"},
			"429":                   map[string]any{"$ref": "#/components/responses/RateLimited"},
			"500":                   map[string]any{"$ref": "#/components/responses/InternalError"},
			"503":                   map[string]any{"$ref": "#/components/responses/Unavailable"},
		}
		if strings.Contains(rt.Path, "{") || rt.Request != nil {
			responses["404"] = map[string]any{"$ref": "#/components/responses/NotFound"}
		}
		op["responses"] = responses
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	paths["/api/v1/openapi.json"] = map[string]any{"get": map[string]any{
		"operationId": "getOpenapi", "summary": "This document", "tags": []string{"gateway"}, "security": []any{},
		"responses": map[string]any{"200": map[string]any{"description": "OpenAPI 3.1 document", "content": map[string]any{"application/json": map[string]any{"schema": anyObj}}}},
	}}
	tagSet := map[string]bool{}
	for _, rt := range a.routes {
		tagSet[rt.Tag] = true
	}
	tags := make([]string, 0, len(tagSet))
	for t := range tagSet {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	tagObjs := make([]map[string]any, 0, len(tags))
	for _, t := range tags {
		tagObjs = append(tagObjs, map[string]any{"name": t})
	}
	version := a.opts.Version
	if version == "" {
		version = "0.0.0-dev"
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "OpenClaw Gateway REST API",
			"version": version,
			"description": "Authenticate with Authorization: Bearer <gateway token, password or API token from `openclaw token create`>. " +
				"Errors use {\"error\": {\"code\", \"message\", \"details\"}}. Webhook deliveries carry X-OpenClaw-Signature: " +
				"sha256=hex(HMAC-SHA256(secret, X-OpenClaw-Timestamp + \".\" + body)).",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearerAuth": []any{}}},
		"tags":     tagObjs,
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearerAuth": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas":         componentSchemas(),
			"responses": map[string]any{
				"BadRequest":    errorResponse("INVALID_REQUEST: the body or a parameter is invalid"),
				"Unauthorized":  errorResponse("INVALID_API_KEY: missing or wrong credentials"),
				"RateLimited":   errorResponse("RATE_LIMIT: too many failed attempts (see Retry-After)"),
				"NotFound":      errorResponse("NOT_FOUND, SESSION_NOT_FOUND or MODEL_NOT_FOUND"),
				"InternalError": errorResponse("INTERNAL_ERROR"),
				"Unavailable":   errorResponse("UNAVAILABLE: the service is not wired or the gateway is draining"),
			},
		},
	}
}
