package config

import "github.com/openclaw-go/openclaw/core/config/schema"

func providerToolPolicySchema() *schema.Node {
	return obj(
		p("profile", toolProfile()),
		p("allow", strs()),
		p("alsoAllow", strs()),
		p("deny", strs()),
	)
}

func toolsSchema() *schema.Node {
	mediaModel := obj(
		p("type", enum("provider", "cli")),
		p("provider", str()),
		p("model", str()),
		p("profile", str()),
		p("preferredProfile", str()),
		p("command", str()),
		p("args", strs()),
		p("capabilities", arr(enum("image", "audio", "video"))),
		p("prompt", str()),
		p("maxChars", posInt()),
		p("maxBytes", posInt()),
		p("timeoutSeconds", posInt()),
		p("language", str()),
		p("baseUrl", str()),
		p("providerOptions", openObj()),
	)
	mediaScope := obj(
		p("default", enum("allow", "deny")),
		p("rules", arr(obj(
			p("action", enum("allow", "deny")),
			p("match", obj(
				p("channel", str()),
				p("chatType", enum("direct", "dm", "group", "channel")),
				p("keyPrefix", str()),
			)),
		))),
	)
	capability := obj(
		p("enabled", boolean()),
		p("prompt", str()),
		p("maxChars", posInt()),
		p("maxBytes", posInt()),
		p("timeoutSeconds", posInt()),
		p("language", str()),
		p("preferredModel", modelRef()),
		p("attachments", obj(
			p("mode", str()),
			p("maxAttachments", posInt()),
			p("prefer", str()),
		)),
		p("scope", mediaScope),
		p("providerOptions", openObj()),
		p("echoTranscript", boolean()),
		p("echoFormat", str()),
		p("models", arr(mediaModel.Clone())),
	)
	ssrf := obj(
		p("allowedHostnames", strs()),
		p("dangerouslyAllowPrivateNetwork", boolean()),
		p("allowIpv6UniqueLocalRange", boolean()),
		p("allowRfc2544BenchmarkRange", boolean()),
	)
	return obj(
		p("profile", toolProfile().Titled("Tool profile").Describe("Base allowlist applied before allow/deny.")),
		p("allow", strs().Titled("Allowed tools")),
		p("alsoAllow", strs()),
		p("deny", strs().Titled("Denied tools").Describe("Deny wins over allow; accepts group:* names and * wildcards.")),
		p("byProvider", mapOf(providerToolPolicySchema())),
		p("toolsBySender", mapOf(toolPolicy())),
		p("elevated", obj(
			p("enabled", boolean().WithDefault(true)),
			p("allowFrom", mapOf(idList()).Describe("Per-channel senders allowed to use elevated exec; empty disables.")),
		).Titled("Elevated exec")),
		p("agentToAgent", obj(
			p("enabled", boolean().WithDefault(true)),
			p("allow", strs()),
		)),
		p("exec", obj(
			p("mode", str()),
			p("host", str()),
			p("security", str()),
			p("ask", str()),
			p("node", str()),
			p("backgroundMs", ms().WithDefault(10000)),
			p("timeoutSec", posInt().WithDefault(1800)),
			p("timeoutSeconds", posInt()),
			p("cleanupMs", ms().WithDefault(1800000)),
			p("notifyOnExit", boolean().WithDefault(true)),
			p("notifyOnExitEmptySuccess", boolean()),
			p("approvalRunningNoticeMs", ms()),
			p("commandHighlighting", boolean()),
			p("pathPrepend", strs()),
			p("safeBins", strs()),
			p("safeBinProfiles", mapOf(obj(
				p("allowedValueFlags", strs()),
				p("deniedFlags", strs()),
				p("minPositional", nonNegInt()),
				p("maxPositional", nonNegInt()),
			))),
			p("applyPatch", obj(
				p("enabled", boolean().WithDefault(false)),
				p("allowModels", strs()),
				p("workspaceOnly", boolean()),
			)),
		).Titled("Exec")),
		p("web", obj(
			p("search", obj(
				p("enabled", boolean()),
				p("provider", str()),
				p("apiKey", secret("Search API key")),
				p("maxResults", integer().Range(1, 10).WithDefault(5)),
				p("timeoutSeconds", posInt().WithDefault(30)),
				p("cacheTtlMinutes", nonNeg().WithDefault(15)),
				p("openaiCodex", obj(
					p("enabled", boolean()),
					p("mode", str()),
					p("contextSize", str()),
					p("allowedDomains", strs()),
					p("userLocation", obj(
						p("city", str()),
						p("country", str()),
						p("region", str()),
						p("timezone", str()),
					)),
				)),
			).AllowOther(nil)),
			p("fetch", obj(
				p("enabled", boolean().WithDefault(true)),
				p("provider", str()),
				p("maxChars", posInt().WithDefault(50000)),
				p("maxCharsCap", posInt()),
				p("maxRedirects", nonNegInt()),
				p("maxResponseBytes", posInt()),
				p("timeoutSeconds", posInt().WithDefault(30)),
				p("cacheTtlMinutes", nonNeg().WithDefault(15)),
				p("userAgent", str()),
				p("headers", mapOf(str())),
				p("readability", boolean().WithDefault(true)),
				p("useTrustedEnvProxy", boolean()),
				p("ssrfPolicy", ssrf),
				p("firecrawl", obj(
					p("enabled", boolean()),
					p("apiKey", secret("Firecrawl API key")),
					p("baseUrl", str()),
					p("onlyMainContent", boolean()),
					p("maxAgeMs", ms()),
					p("timeoutSeconds", posInt()),
				)),
			)),
		).Titled("Web tools")),
		p("media", obj(
			p("models", arr(mediaModel)),
			p("concurrency", posInt().WithDefault(2)),
			p("image", capability.Clone()),
			p("audio", capability.Clone()),
			p("video", capability.Clone()),
		).Titled("Media understanding")),
		p("sandbox", obj(p("tools", toolPolicy()))),
		p("subagents", obj(p("tools", toolPolicy()))),
		p("sessions", obj(p("visibility", str()))),
		p("sessions_spawn", obj(p("attachments", obj(
			p("enabled", boolean()),
			p("maxFiles", posInt()),
			p("maxFileBytes", posInt()),
			p("maxTotalBytes", posInt()),
			p("retainOnSessionKeep", boolean()),
		)))),
		p("loopDetection", obj(p("enabled", boolean())).AllowOther(nil)),
		p("updatePlan", boolean()),
		p("codeMode", anyOf(boolean(), enum("auto"), obj(
			p("enabled", anyOf(boolean(), enum("auto"))),
			p("executor", str()),
			p("timeoutMs", ms()),
			p("memoryLimitBytes", posInt()),
			p("maxOutputBytes", posInt()),
			p("maxPendingToolCalls", posInt()),
			p("maxSearchLimit", posInt()),
			p("searchDefaultLimit", posInt()),
			p("maxSnapshotBytes", posInt()),
			p("snapshotTtlSeconds", posInt()),
		))),
		p("toolSearch", anyOf(boolean(), obj(
			p("mode", str()),
			p("codeTimeoutMs", ms()),
			p("maxSearchLimit", posInt()),
			p("searchDefaultLimit", posInt()),
		))),
		p("message", openObj()),
		p("fs", openObj()),
		p("swarm", anyOf(boolean(), obj(
			p("enabled", boolean()),
			p("defaultAgentId", str()),
			p("maxConcurrent", posInt()),
			p("maxChildrenPerGroup", posInt()),
			p("maxTotalPerGroup", posInt()),
			p("waitTimeoutSecondsMax", posInt()),
		))),
		p("github", obj(
			p("kind", str()),
			p("profileId", str()),
			p("gitAuthor", obj(p("name", str()), p("email", str()))),
		)),
	).Titled("Tools").InGroup("Tools")
}

func modelsSchema() *schema.Node {
	model := obj(
		p("id", str().Titled("Model id")),
		p("name", str()),
		p("api", str()),
		p("reasoning", boolean()),
		p("input", arr(enum("text", "image", "audio", "video", "pdf"))),
		p("cost", obj(
			p("input", nonNeg()),
			p("output", nonNeg()),
			p("cacheRead", nonNeg()),
			p("cacheWrite", nonNeg()),
		).AllowOther(nonNeg())),
		p("contextWindow", posInt()),
		p("contextTokens", posInt()),
		p("maxTokens", posInt()),
		p("headers", mapOf(str())),
		p("compat", openObj()),
		p("params", openObj()),
		p("agentRuntime", obj(p("id", str())).AllowOther(nil)),
		p("thinkingLevelMap", openObj()),
	).Require("id")
	provider := obj(
		p("baseUrl", str().Titled("Base URL")),
		p("apiKey", secret("API key")),
		p("auth", enum("api-key", "oauth", "token", "aws-sdk", "none")),
		p("api", str().Titled("API").Describe("openai-completions, openai-responses, anthropic-messages, google-generative-ai, …")),
		p("authHeader", boolean()),
		p("headers", mapOf(str())),
		p("models", arr(model).Titled("Models")),
		p("agentRuntime", obj(p("id", str())).AllowOther(nil)),
		p("params", openObj()),
		p("timeoutSeconds", posInt()),
		p("request", openObj()),
		p("maxTokens", posInt()),
		p("contextWindow", posInt()),
		p("region", str()),
		p("localService", openObj()),
	)
	return obj(
		p("mode", enum("merge", "replace").WithDefault("merge").Titled("Provider catalog mode")),
		p("providers", mapOf(provider).Titled("Providers")),
		p("bedrockDiscovery", obj(
			p("enabled", boolean()),
			p("region", str()),
			p("providerFilter", strs()),
			p("refreshInterval", anyOf(duration(), nonNeg())),
			p("defaultContextWindow", posInt()),
			p("defaultMaxTokens", posInt()),
		)),
		p("catalogRefresh", obj(p("enabled", boolean())).AllowOther(nil)),
	).Titled("Models").InGroup("Models")
}

func authSchema() *schema.Node {
	return obj(
		p("profiles", mapOf(obj(
			p("provider", str()),
			p("mode", enum("api_key", "oauth", "token", "aws-sdk")),
			p("email", str()),
			p("displayName", str()),
		).Require("provider", "mode")).Titled("Auth profiles")),
		p("order", mapOf(strs()).Titled("Profile order per provider")),
		p("cooldowns", obj(
			p("billingBackoffHours", nonNeg()),
			p("billingBackoffHoursByProvider", mapOf(nonNeg())),
			p("billingMaxHours", nonNeg()),
			p("failureWindowHours", nonNeg()),
		)),
	).Titled("Model auth").InGroup("Models")
}

func skillsSchema() *schema.Node {
	return obj(
		p("allowBundled", strs()),
		p("entries", mapOf(obj(
			p("enabled", boolean()),
			p("apiKey", secret("API key")),
			p("env", mapOf(str()).Secret()),
			p("config", openObj()),
		))),
		p("load", obj(
			p("extraDirs", strs()),
			p("allowSymlinkTargets", strs()),
			p("watch", boolean()),
			p("watchDebounceMs", ms()),
		)),
		p("install", obj(
			p("nodeManager", enum("npm", "pnpm", "yarn", "bun").WithDefault("npm")),
			p("preferBrew", boolean()),
			p("allowUploadedArchives", boolean()),
		)),
		p("limits", obj(p("maxSkillsPromptChars", posInt()))),
		p("workshop", obj(
			p("approvalPolicy", str()),
			p("maxPending", posInt()),
			p("maxSkillBytes", posInt()),
			p("autonomous", obj(p("mode", str())).AllowOther(nil)),
		).AllowOther(nil)),
	).Titled("Skills").InGroup("Tools")
}

func pluginsSchema() *schema.Node {
	entry := obj(
		p("enabled", boolean().Titled("Enabled")),
		p("config", openObj().Titled("Plugin settings").Describe("Validated against the plugin's manifest schema.")),
		p("env", mapOf(str()).Secret()),
		p("apiKey", secret("API key")),
		p("hooks", obj(p("allowPromptInjection", boolean())).AllowOther(nil)),
		p("llm", openObj()),
		p("subagent", openObj()),
	)
	return obj(
		p("enabled", boolean().WithDefault(true)),
		p("allow", strs().Titled("Allowed plugins")),
		p("deny", strs().Titled("Denied plugins")),
		p("load", obj(p("paths", strs()))),
		p("slots", mapOf(str())),
		p("entries", mapOf(entry).Titled("Plugin settings")),
		p("installs", openObj().Deprecate("install records live in the plugin lock file")),
		p("registries", strs().Titled("Registries").Describe("Plugin and skill registries tried in order: https URLs, file URLs or folders.")),
		p("registry", obj(p("trustedKeys", strs().Titled("Trusted publisher keys").Describe("ed25519:<base64> keys trusted besides the built-in official key.")))),
	).Titled("Plugins").InGroup("Plugins")
}

func mcpSchema() *schema.Node {
	server := obj(
		p("enabled", boolean()),
		p("command", str()),
		p("args", strs()),
		p("env", mapOf(str()).Secret()),
		p("cwd", str()),
		p("workingDirectory", str()),
		p("url", str()),
		p("transport", enum("stdio", "streamable-http", "sse")),
		p("headers", mapOf(str()).Secret()),
		p("auth", str()),
		p("oauth", obj(
			p("identity", enum("shared", "per-requester")),
			p("scope", str()),
			p("clientId", str()),
			p("clientSecret", secret("OAuth client secret")),
		)),
		p("clientCert", str()),
		p("clientKey", str()),
		p("sslVerify", boolean()),
		p("connectionTimeoutMs", ms()),
		p("requestTimeoutMs", ms()),
		p("supportsParallelToolCalls", boolean()),
		p("toolFilter", obj(p("include", strs()), p("exclude", strs()))),
		p("codex", obj(
			p("agents", strs()),
			p("defaultToolsApprovalMode", enum("auto", "prompt", "approve")),
		)),
	)
	return obj(
		p("servers", mapOf(server).Titled("MCP servers")),
		p("apps", openObj()),
	).Titled("MCP").InGroup("Tools")
}
