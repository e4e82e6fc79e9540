// Package models is the gateway's provider-neutral view of language models.
//
// It defines the conversation a model sees (Message, ToolSpec, ToolCall), the
// events a streaming reply produces (Event), usage and cost accounting, and
// the Provider interface that each wire format implements (see the apis
// package and its openai, anthropic and echo clients).
//
// On top of that sits the Router: it reads the `models` config subtree, the
// agent model selection (agents.defaults.model, agents.defaults.models,
// params) and `auth`, resolves refs and aliases, finds credentials, and runs a
// request against the primary model with failover to the fallbacks, keeping
// per-credential cooldowns.
package models
