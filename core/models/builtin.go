package models

import "strings"

// The APIs a provider can speak (models.providers.*.api).
const (
	APIOpenAICompletions = "openai-completions"
	APIOpenAIResponses   = "openai-responses"
	APIAnthropicMessages = "anthropic-messages"
	// APIEcho is the built-in deterministic echo provider, for tests and
	// smoke runs.
	APIEcho = "echo"
)

// EchoRef is the model ref of the built-in echo provider. It is used only
// when a config names it.
const EchoRef = "echo/echo"

// builtinProvider is what the gateway knows about a provider without config.
type builtinProvider struct {
	api     string
	baseURL string
	// env lists the variables that hold its key, most specific first.
	env []string
	// keyless providers are local servers that need no key; their variable
	// only marks them as present.
	keyless bool
	// defaultModel is used when no model is configured at all but this
	// provider has a key.
	defaultModel string
}

// builtin returns the provider the gateway knows by id.
func builtin(id string) (builtinProvider, bool) {
	switch id {
	case "openai":
		return builtinProvider{api: APIOpenAIResponses, baseURL: "https://api.openai.com/v1", env: []string{"OPENAI_API_KEY"}, defaultModel: "gpt-5.4"}, true
	case "anthropic":
		return builtinProvider{api: APIAnthropicMessages, baseURL: "https://api.anthropic.com", env: []string{"ANTHROPIC_API_KEY"}, defaultModel: "claude-sonnet-5"}, true
	case "openrouter":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://openrouter.ai/api/v1", env: []string{"OPENROUTER_API_KEY"}, defaultModel: "auto"}, true
	case "google":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://generativelanguage.googleapis.com/v1beta/openai", env: []string{"GEMINI_API_KEY", "GOOGLE_API_KEY"}}, true
	case "groq":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://api.groq.com/openai/v1", env: []string{"GROQ_API_KEY"}}, true
	case "mistral":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://api.mistral.ai/v1", env: []string{"MISTRAL_API_KEY"}}, true
	case "deepseek":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://api.deepseek.com/v1", env: []string{"DEEPSEEK_API_KEY"}}, true
	case "xai":
		return builtinProvider{api: APIOpenAIResponses, baseURL: "https://api.x.ai/v1", env: []string{"XAI_API_KEY"}}, true
	case "together":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://api.together.xyz/v1", env: []string{"TOGETHER_API_KEY"}}, true
	case "cerebras":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://api.cerebras.ai/v1", env: []string{"CEREBRAS_API_KEY"}}, true
	case "fireworks":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://api.fireworks.ai/inference/v1", env: []string{"FIREWORKS_API_KEY"}}, true
	case "deepinfra":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://api.deepinfra.com/v1/openai", env: []string{"DEEPINFRA_API_KEY"}}, true
	case "moonshot":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://api.moonshot.ai/v1", env: []string{"MOONSHOT_API_KEY"}}, true
	case "zai":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://api.z.ai/api/coding/paas/v4", env: []string{"ZAI_API_KEY", "Z_AI_API_KEY"}}, true
	case "minimax":
		return builtinProvider{api: APIAnthropicMessages, baseURL: "https://api.minimax.io/anthropic", env: []string{"MINIMAX_API_KEY"}}, true
	case "nvidia":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://integrate.api.nvidia.com/v1", env: []string{"NVIDIA_API_KEY"}}, true
	case "vercel-ai-gateway":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "https://ai-gateway.vercel.sh/v1", env: []string{"AI_GATEWAY_API_KEY"}}, true
	case "ollama":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "http://127.0.0.1:11434/v1", env: []string{"OLLAMA_API_KEY"}, keyless: true}, true
	case "lmstudio":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "http://localhost:1234/v1", env: []string{"LM_API_TOKEN"}, keyless: true}, true
	case "vllm":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "http://127.0.0.1:8000/v1", env: []string{"VLLM_API_KEY"}, keyless: true}, true
	case "sglang":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "http://127.0.0.1:30000/v1", env: []string{"SGLANG_API_KEY"}, keyless: true}, true
	case "litellm":
		return builtinProvider{api: APIOpenAICompletions, baseURL: "http://localhost:4000/v1", env: []string{"LITELLM_API_KEY"}, keyless: true}, true
	case "echo":
		return builtinProvider{api: APIEcho, keyless: true}, true
	}
	return builtinProvider{}, false
}

// implicitDefaults is the order in which providers with a key in the
// environment supply a model when nothing configures one.
func implicitDefaults() []string { return []string{"openai", "anthropic", "openrouter"} }

// builtinAlias maps OpenClaw's shorthand aliases to their refs. They apply only
// when the ref is listed in agents.defaults.models, and a configured alias of
// the same name always wins.
func builtinAlias(name string) (string, bool) {
	switch name {
	case "opus":
		return "anthropic/claude-opus-5", true
	case "sonnet":
		return "anthropic/claude-sonnet-5", true
	case "gpt":
		return "openai/gpt-5.4", true
	case "gpt-mini":
		return "openai/gpt-5.4-mini", true
	case "gpt-nano":
		return "openai/gpt-5.4-nano", true
	case "gemini":
		return "google/gemini-3.1-pro-preview", true
	case "gemini-flash":
		return "google/gemini-3-flash-preview", true
	case "gemini-flash-lite":
		return "google/gemini-3.1-flash-lite", true
	}
	return "", false
}

// normalizeProvider lower-cases a provider id and folds its known spellings.
func normalizeProvider(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	switch id {
	case "z.ai", "z-ai":
		return "zai"
	}
	return id
}
