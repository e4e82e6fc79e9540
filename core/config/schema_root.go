package config

import (
	"sync"

	"github.com/openclaw-go/openclaw/core/config/schema"
)

// Default values the rest of the core can rely on.
const (
	DefaultGatewayPort      = 18789
	DefaultWorkspace        = "~/.openclaw/workspace"
	DefaultReloadMode       = "hybrid"
	DefaultReloadDebounceMs = 300
)

// rootSchema is built once: it is a pure function of this package's code and
// is never modified after construction.
var rootSchema = sync.OnceValue(buildSchema)

func buildSchema() *schema.Node {
	root := obj(
		p("$schema", str().Describe("JSON Schema URL for editors; ignored by the gateway.")),
		p("meta", metaSchema()),
		p("wizard", wizardSchema()),
		p("env", envSchema()),
		p("identity", identitySchema().InGroup("Agents")),
		p("gateway", gatewaySchema().Materialize()),
		p("agents", agentsSchema().Materialize()),
		p("agent", agentDefaultsSchema().Overrides().Deprecate("use agents.defaults (openclaw doctor --fix migrates it)")),
		p("multiAgent", multiAgentSchema()),
		p("bindings", arr(bindingSchema()).Titled("Bindings").InGroup("Agents").Describe("Routes inbound messages to agents.")),
		p("broadcast", broadcastSchema()),
		p("channels", channelsRootSchema()),
		p("session", sessionSchema().Materialize()),
		p("messages", messagesSchema()),
		p("commands", commandsSchema()),
		p("tools", toolsSchema()),
		p("models", modelsSchema()),
		p("auth", authSchema()),
		p("skills", skillsSchema()),
		p("plugins", pluginsSchema()),
		p("mcp", mcpSchema()),
		p("cron", cronSchema()),
		p("hooks", hooksSchema()),
		p("logging", loggingSchema().Materialize()),
		p("diagnostics", diagnosticsSchema()),
		p("telemetry", obj(
			p("enabled", boolean()),
			p("consentedAt", str()),
		).InGroup("Observability")),
		p("talk", talkSchema()),
		p("tts", ttsSchema().InGroup("Messages")),
		p("audio", audioSchema()),
		p("web", webSchema()),
		p("ui", uiSchema()),
		p("browser", browserSchema()),
		p("canvasHost", canvasHostSchema()),
		p("discovery", discoverySchema()),
		p("update", updateSchema()),
		p("acp", acpSchema()),
		p("memory", memorySchema()),
		p("secrets", secretsSchema()),
		p("approvals", approvalsSchema()),
		p("security", securitySchema()),
		p("desktop", desktopSchema()),
		p("cloudWorkers", cloudWorkersSchema()),
		p("bridge", bridgeSchema()),
		p("transcripts", obj(
			p("enabled", boolean()),
			p("autoStart", anyOf(boolean(), arr(anything()))),
			p("sources", openObj()),
		).InGroup("Automation")),
		p("attachments", obj(p("ttlHours", nonNeg())).InGroup("Messages")),
		p("surfaces", openObj().Describe("Per-surface presentation settings owned by clients.")),
		p("accessGroups", mapOf(anyOf(idList(), openObj())).Describe("Named sender groups usable in allowlists.")),
		p("worktreeRoot", str().Titled("Worktree root").InGroup("Agents")),
		p("worktreeAcceleration", boolean().InGroup("Agents")),
	)
	root.Title = "OpenClaw configuration"
	return root
}

func metaSchema() *schema.Node {
	return obj(
		p("lastTouchedVersion", str()),
		p("lastTouchedAt", str()),
	).Titled("Metadata").Describe("Written by OpenClaw tools; safe to leave alone.")
}

func wizardSchema() *schema.Node {
	return obj(
		p("lastRunAt", str()),
		p("lastRunVersion", str()),
		p("lastRunCommit", str()),
		p("lastRunCommand", str()),
		p("lastRunMode", enum("local", "remote")),
		p("accessMode", str()),
		p("appRecommendations", boolean()),
		p("securityAcknowledgedAt", str()),
	).Titled("Wizard metadata")
}

func envSchema() *schema.Node {
	return obj(
		p("vars", mapOf(str().Secret()).Titled("Variables").Describe("Applied only when the process environment lacks the key.")),
		p("shellEnv", obj(
			p("enabled", boolean().WithDefault(false)),
			p("timeoutMs", ms().WithDefault(15000)),
		).Titled("Import login shell environment")),
	).Titled("Environment").InGroup("Environment").
		// Flat entries (env: { OPENAI_API_KEY: "..." }) are the short form of vars.
		AllowOther(str().Secret())
}

func identitySchema() *schema.Node {
	return obj(
		p("name", str().Titled("Name")),
		p("theme", str().Titled("Theme")),
		p("emoji", str().Titled("Emoji")),
		p("avatar", str().Titled("Avatar").Describe("Workspace-relative path, http(s) URL or data: URI.")),
	).Titled("Identity")
}

func loggingSchema() *schema.Node {
	level := enum("silent", "fatal", "error", "warn", "info", "debug", "trace")
	return obj(
		p("level", level.Clone().WithDefault("info").Titled("Log level")),
		p("file", str().Titled("Log file")),
		p("consoleLevel", level.Clone().Titled("Console level")),
		p("consoleStyle", enum("pretty", "compact", "json").Titled("Console style")),
		p("redactSensitive", enum("off", "tools").WithDefault("tools").Titled("Redact sensitive tool output")),
		p("redactPatterns", strs().Titled("Redaction patterns")),
		p("maxFileBytes", byteSize()),
		p("audit", obj(
			p("enabled", boolean()),
			p("messages", enum("off", "direct", "all")),
			p("executionIdentity", boolean()),
			p("retentionDays", nonNeg()),
		)),
	).Titled("Logging").InGroup("Observability")
}

func diagnosticsSchema() *schema.Node {
	return obj(
		p("enabled", boolean()),
		p("flags", strs()),
		p("cacheTrace", obj(
			p("enabled", boolean()),
			p("path", str()),
		)),
		p("otel", obj(
			p("enabled", boolean()),
			p("endpoint", str()),
			p("protocol", enum("http/protobuf", "http/json", "grpc")),
			p("headers", mapOf(str()).Secret()),
			p("serviceName", str()),
			p("traces", boolean()),
			p("metrics", boolean()),
			p("logs", boolean()),
			p("tracesEndpoint", str()),
			p("metricsEndpoint", str()),
			p("logsEndpoint", str()),
			p("logsExporter", str()),
			p("sampleRate", ratio()),
			p("flushIntervalMs", ms()),
			p("captureContent", boolean()),
			p("metricNamePrefix", str()),
		)),
	).Titled("Diagnostics").InGroup("Observability")
}

func webSchema() *schema.Node {
	return obj(
		p("enabled", boolean().WithDefault(true)),
		p("heartbeatSeconds", posInt().WithDefault(60)),
		p("reconnect", obj(
			p("initialMs", ms().WithDefault(2000)),
			p("maxMs", ms().WithDefault(120000)),
			p("factor", number().Min(1).WithDefault(1.4)),
			p("jitter", ratio().WithDefault(0.2)),
			p("maxAttempts", nonNegInt().WithDefault(0)),
		)),
	).Titled("WhatsApp web runtime").InGroup("Channels")
}

func uiSchema() *schema.Node {
	return obj(
		p("seamColor", str()),
		p("assistant", obj(
			p("name", str()),
			p("avatar", str()),
		)),
		p("prefs", obj(
			p("locale", str()),
			p("theme", str()),
			p("themeMode", enum("light", "dark", "system")),
			p("chatFollowUpMode", enum("steer", "queue")),
			p("chatSendShortcut", enum("enter", "modifier-enter")),
			p("chatShowThinking", boolean()),
			p("chatShowToolCalls", boolean()),
			p("chatPersistCommentary", boolean()),
		).AllowOther(nil)),
	).Titled("UI").InGroup("UI")
}

func canvasHostSchema() *schema.Node {
	return obj(
		p("enabled", boolean()),
		p("root", str()),
		p("port", port()),
		p("liveReload", boolean()),
	).Titled("Canvas host").InGroup("Infrastructure")
}

func discoverySchema() *schema.Node {
	return obj(
		p("mdns", obj(p("mode", enum("minimal", "full", "off").WithDefault("minimal")))),
		p("wideArea", obj(
			p("enabled", boolean()),
			p("domain", str()),
		)),
	).Titled("Discovery").InGroup("Infrastructure")
}

func updateSchema() *schema.Node {
	return obj(
		p("channel", enum("stable", "extended-stable", "beta", "dev")),
		p("checkOnStart", boolean()),
		p("auto", obj(
			p("enabled", boolean()),
			p("delayHours", nonNeg()),
		)),
	).Titled("Updates").InGroup("Infrastructure")
}

func acpSchema() *schema.Node {
	return obj(
		p("enabled", boolean()),
		p("backend", str()),
		p("defaultAgent", str()),
		p("allowedAgents", strs()),
		p("fallbacks", strs()),
		p("maxConcurrentSessions", posInt()),
		p("dispatch", obj(p("enabled", boolean()))),
		p("stream", obj(
			p("deliveryMode", enum("live", "final_only")),
			p("repeatSuppression", boolean()),
			p("coalesceIdleMs", ms()),
			p("maxChunkChars", posInt()),
		)),
		p("runtime", openObj()),
	).Titled("Agent Client Protocol").InGroup("Agents")
}

func memorySchema() *schema.Node {
	return obj(
		p("backend", str()),
		p("citations", anyOf(boolean(), enum("auto", "on", "off"))),
		p("search", obj(
			p("enabled", boolean()),
			p("provider", str()),
			p("model", str()),
			p("fallback", str()),
			p("extraPaths", arr(anyOf(str(), openObj()))),
			p("remote", obj(
				p("baseUrl", str()),
				p("apiKey", secret("API key")),
				p("headers", mapOf(str()).Secret()),
			)),
		).AllowOther(nil)),
	).Titled("Memory").InGroup("Agents")
}

func secretsSchema() *schema.Node {
	provider := obj(
		p("source", enum("env", "file", "exec", "store")),
		p("allowlist", strs()),
		p("path", str()),
		p("mode", enum("singleValue", "json")),
		p("maxBytes", posInt()),
		p("timeoutMs", ms()),
		p("command", str()),
		p("args", strs()),
		p("noOutputTimeoutMs", ms()),
		p("maxOutputBytes", posInt()),
		p("jsonOnly", boolean()),
		p("env", mapOf(str())),
		p("passEnv", strs()),
		p("trustedDirs", strs()),
		p("allowInsecurePath", boolean()),
		p("pluginIntegration", openObj()),
		p("allowSymlinkCommand", boolean()),
	).Require("source")
	return obj(
		p("providers", mapOf(provider)),
		p("defaults", obj(
			p("env", str()),
			p("file", str()),
			p("exec", str()),
			p("store", str()),
		)),
		p("resolution", openObj()),
		p("egressProxy", obj(
			p("enabled", boolean()),
			p("allowedHosts", strs()),
			p("bypassHosts", strs()),
		)),
	).Titled("Secrets").InGroup("Environment")
}

func approvalsSchema() *schema.Node {
	return obj(
		p("exec", openObj()),
		p("plugin", openObj()),
	).Titled("Approvals").InGroup("Tools")
}

func securitySchema() *schema.Node {
	return obj(
		p("installPolicy", openObj()),
		p("audit", obj(p("suppressions", arr(anything())))),
	).Titled("Security").InGroup("Infrastructure")
}

func desktopSchema() *schema.Node {
	return obj(
		p("host", obj(
			p("enabled", boolean()),
			p("managed", boolean()),
			p("port", port()),
			p("passwordFile", str()),
		)),
		p("nodes", openObj()),
	).Titled("Desktop").InGroup("UI")
}

func cloudWorkersSchema() *schema.Node {
	profile := obj(
		p("provider", str()),
		p("readyWorkers", nonNegInt()),
		p("suspendAfter", duration()),
		p("settings", openObj()),
		p("repositories", openObj()),
	).AllowOther(nil)
	return obj(
		p("enabled", boolean()),
		p("defaultProfile", str()),
		p("profiles", mapOf(profile)),
		p("preparedPool", obj(p("maxTotal", nonNegInt())).AllowOther(nil)),
	).Titled("Cloud workers").InGroup("Infrastructure")
}

func bridgeSchema() *schema.Node {
	return obj(
		p("enabled", boolean()),
		p("bind", str()),
		p("port", port()),
		p("tls", obj(
			p("enabled", boolean()),
			p("autoGenerate", boolean()),
			p("certPath", str()),
			p("keyPath", str()),
		)),
	).Titled("Bridge (legacy)").Deprecate("the bridge was removed; delete this section")
}

func broadcastSchema() *schema.Node {
	return obj(
		p("strategy", enum("parallel", "sequential").WithDefault("parallel")),
	).AllowOther(anyOf(strs(), openObj())).Titled("Broadcast groups").InGroup("Agents").
		Describe("Maps a peer id to the list of agents that all receive its messages.")
}
