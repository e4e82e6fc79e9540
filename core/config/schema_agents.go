package config

import "github.com/openclaw-go/openclaw/core/config/schema"

func agentsSchema() *schema.Node {
	return obj(
		p("defaults", agentDefaultsSchema().Materialize()),
		p("list", arr(agentEntrySchema(true)).Titled("Agents").
			Describe("One entry per agent; the first (or the one marked default) is the default agent.")),
		p("entries", mapOf(agentEntrySchema(false)).Titled("Agents by id")),
		p("ownership", enum("explicit", "implicit")),
	).Titled("Agents").InGroup("Agents")
}

// agentSettings are the keys an agent entry may override from defaults.
func agentSettings() []schema.Prop {
	return []schema.Prop{
		p("workspace", str().Titled("Workspace").Describe("Directory the agent works in.")),
		p("cwd", str()),
		p("repoRoot", str()),
		p("skills", strs().Titled("Skills").Describe("Skill allowlist; omit for all skills.")),
		p("skillsLimits", obj(p("maxSkillsPromptChars", posInt()))),
		p("skipBootstrap", boolean()),
		p("skipOptionalBootstrapFiles", strs()),
		p("contextInjection", enum("always", "continuation-skip", "never")),
		p("bootstrapMaxChars", posInt()),
		p("bootstrapTotalMaxChars", posInt()),
		p("startupContext", obj(
			p("enabled", boolean()),
			p("applyOn", arr(enum("new", "reset", "resume"))),
			p("dailyMemoryDays", nonNegInt()),
			p("maxFileBytes", posInt()),
			p("maxFileChars", posInt()),
			p("maxTotalChars", posInt()),
		)),
		p("contextLimits", mapOf(nonNegInt())),
		p("imageMaxDimensionPx", posInt()),
		p("imageQuality", anyOf(enum("auto", "low", "high"), ratio())),
		p("userTimezone", str()),
		p("timeFormat", anyOf(enum("auto", "12", "24"), schemaEnumNumbers(12, 24))),
		p("model", modelChoice().Titled("Model")),
		p("imageModel", modelChoice()),
		p("pdfModel", modelChoice()),
		p("voiceModel", modelChoice()),
		p("decisionModel", modelChoice()),
		p("utilityModel", modelChoice()),
		p("mediaModels", mapOf(anyOf(modelRef(), obj(
			p("primary", modelRef()),
			p("fallbacks", strs()),
			p("timeoutMs", ms()),
		)))),
		p("modelSelectionScope", enum("session", "agent", "global")),
		p("modelPolicy", openObj()),
		p("models", mapOf(modelEntrySchema()).Titled("Model catalog").
			Describe("Models offered to this agent, keyed by provider/model; also the /model allowlist.")),
		p("cliBackends", mapOf(cliBackendSchema())),
		p("agentRuntime", obj(p("id", str())).AllowOther(nil)),
		p("runtime", obj(
			p("type", enum("embedded", "acp", "cli")),
			p("acp", obj(
				p("agent", str()),
				p("backend", str()),
				p("cwd", str()),
				p("mode", enum("persistent", "oneshot")),
			).AllowOther(nil)),
		)),
		p("params", openObj().Describe("Provider parameters passed through to model requests.")),
		p("llm", openObj()),
		p("thinkingDefault", thinkingLevel()),
		p("reasoningDefault", enum("on", "off", "stream")),
		p("verboseDefault", enum("on", "off", "full")),
		p("elevatedDefault", enum("on", "off", "ask", "full")),
		p("fastModeDefault", boolean()),
		p("toolProgressDetail", enum("off", "brief", "explain", "full")),
		p("timeoutSeconds", posInt()),
		p("mediaMaxMb", nonNeg()),
		p("pdfMaxMb", nonNeg()),
		p("pdfMaxBytesMb", nonNeg()),
		p("pdfMaxPages", posInt()),
		p("heartbeat", heartbeatSchema()),
		p("maxConcurrent", posInt()),
		p("embeddedAgent", openObj()),
		p("subagents", obj(
			p("model", modelChoice()),
			p("delegationMode", str()),
			p("thinking", thinkingLevel()),
			p("maxConcurrent", posInt()),
			p("archiveAfterMinutes", nonNeg()),
			p("allowAgents", strs()),
			p("announceTimeoutMs", ms()),
			p("runTimeoutSeconds", nonNeg()),
			p("maxSpawnDepth", posInt()),
			p("maxChildrenPerAgent", posInt()),
		)),
		p("exec", obj(
			p("backgroundMs", ms()),
			p("timeoutSec", posInt()),
			p("cleanupMs", ms()),
		)),
		p("contextTokens", posInt()),
		p("contextPruning", contextPruningSchema()),
		p("compaction", compactionSchema()),
		p("blockStreamingDefault", enum("on", "off")),
		p("blockStreamingBreak", enum("text_end", "message_end")),
		p("blockStreamingChunk", chunkSchema()),
		p("blockStreamingCoalesce", coalesceSchema()),
		p("humanDelay", obj(
			p("mode", enum("off", "natural", "custom")),
			p("minMs", ms()),
			p("maxMs", ms()),
		)),
		p("typingMode", enum("never", "instant", "thinking", "message")),
		p("typingIntervalSeconds", nonNeg()),
		p("sandbox", sandboxSchema()),
		p("memorySearch", openObj()),
		p("memory", openObj()),
		p("silentReply", openObj()),
		p("promptOverlays", openObj()),
		p("experimental", openObj()),
		p("authInheritance", str()),
		p("sessionStore", obj(p("agentId", str()))),
		p("systemAgent", obj(p("agentId", str()))),
		p("tts", openObj()),
		p("groupChat", groupChatSchema()),
		p("identity", identitySchema()),
	}
}

func agentDefaultsSchema() *schema.Node {
	n := obj(agentSettings()...)
	n.Properties["workspace"].WithDefault(DefaultWorkspace)
	n.Properties["maxConcurrent"].WithDefault(1)
	n.Properties["timeoutSeconds"].WithDefault(600)
	return n.Titled("Agent defaults")
}

// agentEntrySchema describes one agent. inList selects the legacy
// agents.list form, which carries its id inside the entry.
func agentEntrySchema(inList bool) *schema.Node {
	n := obj(agentSettings()...).Overrides()
	n.Extend(
		p("id", str().Matching(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`, "an agent id (letters, digits, '-' and '_')").Titled("Agent id")),
		p("default", boolean().Titled("Default agent")),
		p("name", str().Titled("Display name")),
		p("agentDir", str()),
		p("tools", agentToolsSchema()),
	)
	if inList {
		n.Require("id")
	}
	return n
}

func modelEntrySchema() *schema.Node {
	return obj(
		p("alias", str().Titled("Alias")),
		p("params", openObj().Describe("Provider-specific request parameters (temperature, maxTokens, …).")),
		p("agentRuntime", obj(p("id", str())).AllowOther(nil)),
		p("streaming", anyOf(boolean(), openObj())),
		p("contextTokens", posInt()),
		p("codeMode", anyOf(boolean(), str(), openObj())),
		p("pickerRuntimes", anyOf(strs(), openObj())),
	)
}

func cliBackendSchema() *schema.Node {
	return obj(
		p("command", str()),
		p("args", strs()),
		p("env", mapOf(str())),
		p("output", enum("text", "json", "jsonl", "stream-json")),
		p("modelArg", str()),
		p("modelAliases", mapOf(str())),
		p("sessionArg", str()),
		p("sessionArgs", strs()),
		p("resumeArgs", strs()),
		p("sessionMode", enum("always", "existing", "none")),
		p("systemPromptArg", str()),
		p("systemPromptWhen", enum("first", "always", "never")),
		p("systemPromptMode", str()),
		p("imageArg", str()),
		p("imageMode", enum("repeat", "list")),
		p("input", str()),
		p("serialize", boolean()),
		p("clearEnv", strs()),
		p("timeoutSeconds", posInt()),
	)
}

func heartbeatSchema() *schema.Node {
	return obj(
		p("every", duration().Titled("Interval").Describe(`How often to run, e.g. "30m"; "0m" disables.`)),
		p("model", modelRef()),
		p("includeReasoning", boolean()),
		p("session", str()),
		p("to", str()),
		p("target", str().Describe("last, none, owner or a channel id.")),
		p("accountId", str()),
		p("agentId", str()),
		p("prompt", str()),
		p("ackMaxChars", nonNegInt()),
		p("activeHours", obj(
			p("start", str()),
			p("end", str()),
			p("timezone", str()),
		)),
		p("directPolicy", enum("allow", "block")),
		p("isolatedSession", boolean()),
		p("lightContext", boolean()),
		p("timeoutSeconds", posInt()),
	).Titled("Heartbeat")
}

func contextPruningSchema() *schema.Node {
	return obj(
		p("mode", enum("off", "adaptive", "aggressive", "cache-ttl")),
		p("ttl", duration()),
		p("keepLastAssistants", nonNegInt()),
		p("softTrimRatio", ratio()),
		p("hardClearRatio", ratio()),
		p("minPrunableToolChars", nonNegInt()),
		p("softTrim", obj(
			p("maxChars", posInt()),
			p("headChars", nonNegInt()),
			p("tailChars", nonNegInt()),
		)),
		p("hardClear", obj(
			p("enabled", boolean()),
			p("placeholder", str()),
		)),
		p("tools", obj(p("allow", strs()), p("deny", strs()))),
	).Titled("Context pruning")
}

func compactionSchema() *schema.Node {
	return obj(
		p("enabled", boolean()),
		p("mode", enum("default", "safeguard")),
		p("model", modelRef()),
		p("provider", str()),
		p("thinkingLevel", thinkingLevel()),
		p("timeoutSeconds", posInt()),
		p("reserveTokens", nonNegInt()),
		p("reserveTokensFloor", nonNegInt()),
		p("keepRecentTokens", nonNegInt()),
		p("recentTurnsPreserve", nonNegInt()),
		p("maxActiveTranscriptBytes", byteSize()),
		p("identifierPolicy", enum("strict", "off")),
		p("notifyUser", boolean()),
		p("postCompactionSections", strs()),
		p("postIndexSync", enum("off", "async", "await")),
		p("midTurnPrecheck", obj(p("enabled", boolean()))),
		p("qualityGuard", obj(
			p("enabled", boolean()),
			p("maxRetries", nonNegInt()),
		)),
		p("memoryFlush", obj(
			p("enabled", boolean()),
			p("softThresholdTokens", nonNegInt()),
			p("forceFlushTranscriptBytes", byteSize()),
			p("model", modelRef()),
			p("prompt", str()),
			p("systemPrompt", str()),
		)),
	).Titled("Compaction")
}

func chunkSchema() *schema.Node {
	return obj(
		p("minChars", nonNegInt()),
		p("maxChars", posInt()),
		p("breakPreference", enum("paragraph", "newline", "sentence")),
	)
}

func coalesceSchema() *schema.Node {
	return obj(
		p("minChars", nonNegInt()),
		p("maxChars", posInt()),
		p("idleMs", ms()),
	)
}

func groupChatSchema() *schema.Node {
	return obj(
		p("mentionPatterns", strs().Titled("Mention patterns").Describe("Regular expressions that count as mentioning the agent.")),
		p("historyLimit", nonNegInt()),
		p("unmentionedInbound", str()),
		p("visibleReplies", str()),
	).Titled("Group chat")
}

func sandboxSchema() *schema.Node {
	return obj(
		p("mode", enum("off", "non-main", "all").Titled("Sandbox mode")),
		p("backend", str().Describe("docker (default), ssh, openshell or a plugin-provided backend.")),
		p("scope", enum("session", "agent", "shared")),
		p("perSession", boolean().Deprecate("use scope: \"session\" or \"shared\"")),
		p("workspaceAccess", enum("none", "ro", "rw")),
		p("workspaceRoot", str()),
		p("docker", obj(
			p("image", str()),
			p("containerPrefix", str()),
			p("workdir", str()),
			p("readOnlyRoot", boolean()),
			p("tmpfs", strs()),
			p("network", str()),
			p("user", str()),
			p("capDrop", strs()),
			p("env", mapOf(str())),
			p("setupCommand", str()),
			p("pidsLimit", posInt()),
			p("memory", anyOf(str(), nonNeg())),
			p("memorySwap", anyOf(str(), number())),
			p("cpus", nonNeg()),
			p("gpus", str()),
			p("ulimits", mapOf(anyOf(integer(), obj(p("soft", integer()), p("hard", integer()))))),
			p("seccompProfile", str()),
			p("apparmorProfile", str()),
			p("dns", strs()),
			p("extraHosts", strs()),
			p("binds", strs()),
			p("dangerouslyAllowReservedContainerTargets", boolean()),
			p("dangerouslyAllowExternalBindSources", boolean()),
		)),
		p("ssh", obj(
			p("target", str()),
			p("command", str()),
			p("workspaceRoot", str()),
			p("identityFile", str()),
			p("certificateFile", str()),
			p("knownHostsFile", str()),
			p("identityData", secret("SSH private key")),
			p("certificateData", secret("SSH certificate")),
			p("knownHostsData", secret("SSH known hosts")),
			p("strictHostKeyChecking", boolean()),
			p("updateHostKeys", boolean()),
		)),
		p("browser", obj(
			p("enabled", boolean()),
			p("image", str()),
			p("containerPrefix", str()),
			p("network", str()),
			p("cdpPort", port()),
			p("cdpSourceRange", str()),
			p("vncPort", port()),
			p("noVncPort", port()),
			p("headless", boolean()),
			p("enableNoVnc", boolean()),
			p("noVncEnabled", boolean()),
			p("allowHostControl", boolean()),
			p("allowedControlUrls", strs()),
			p("allowedControlHosts", strs()),
			p("allowedControlPorts", arr(port())),
			p("autoStart", boolean()),
			p("autoStartTimeoutMs", ms()),
		)),
		p("prune", obj(
			p("idleHours", nonNeg()),
			p("maxAgeDays", nonNeg()),
		)),
	).Titled("Sandbox")
}

func agentToolsSchema() *schema.Node {
	return obj(
		p("profile", toolProfile()),
		p("allow", strs()),
		p("alsoAllow", strs()),
		p("deny", strs()),
		p("byProvider", mapOf(providerToolPolicySchema())),
		p("elevated", obj(
			p("enabled", boolean()),
			p("allowFrom", mapOf(idList())),
		)),
		p("sandbox", obj(p("tools", toolPolicy()))),
		p("exec", openObj()),
		p("toolsBySender", mapOf(toolPolicy())),
		p("message", openObj()),
		p("fs", openObj()),
		p("swarm", anyOf(boolean(), openObj())),
		p("loopDetection", anyOf(boolean(), openObj())),
		p("github", openObj()),
	)
}

func multiAgentSchema() *schema.Node {
	return obj(
		p("bindings", arr(bindingSchema())),
	).AllowOther(nil).Titled("Multi-agent routing").InGroup("Agents")
}

func bindingSchema() *schema.Node {
	return obj(
		p("agentId", str().Titled("Agent id")),
		p("type", str()),
		p("comment", str()),
		p("acp", openObj()),
		p("match", obj(
			p("channel", str().Titled("Channel")),
			p("accountId", str()),
			p("peer", obj(
				p("kind", enum("dm", "direct", "group", "channel")),
				p("id", str()),
			).Require("kind", "id")),
			p("guildId", str()),
			p("teamId", str()),
			p("roles", strs()),
		).Require("channel")),
		p("session", obj(
			p("dmScope", dmScope()),
			p("groupScope", enum("main", "per-group")),
		)),
	).Require("agentId", "match")
}

// schemaEnumNumbers accepts the given numbers as an enum.
func schemaEnumNumbers(values ...float64) *schema.Node {
	vs := make([]any, len(values))
	for i, v := range values {
		vs[i] = v
	}
	return schema.Enum(vs...)
}
