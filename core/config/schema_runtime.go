package config

import "github.com/openclaw-go/openclaw/core/config/schema"

func sessionSchema() *schema.Node {
	reset := obj(
		p("mode", enum("none", "daily", "idle")),
		p("atHour", integer().Range(0, 23)),
		p("idleMinutes", nonNeg()),
	)
	return obj(
		p("scope", enum("per-sender", "global").WithDefault("per-sender").Titled("Session scope").
			Describe("per-sender isolates each sender within a channel context.")),
		p("dmScope", dmScope().WithDefault("main").Titled("DM scope")),
		p("groupScope", enum("main", "per-group").WithDefault("per-group")),
		p("mainKey", str().Deprecate("ignored; the main session key is always \"main\"")),
		p("notifyOnCreate", boolean()),
		p("identityLinks", mapOf(strs())),
		p("reset", reset),
		p("resetByType", obj(
			p("direct", reset.Clone()),
			p("group", reset.Clone()),
			p("thread", reset.Clone()),
		)),
		p("resetByChannel", mapOf(reset.Clone())),
		p("resetTriggers", strs()),
		p("idleMinutes", nonNeg().Deprecate("use session.reset.idleMinutes")),
		p("store", str()),
		p("typingMode", enum("never", "instant", "thinking", "message")),
		p("typingIntervalSeconds", nonNeg()),
		p("maintenance", obj(
			p("mode", enum("enforce", "warn")),
			p("pruneAfter", duration()),
			p("archiveDashboardAfter", anyOf(duration(), enum("false"), boolean())),
			p("maxEntries", posInt()),
			p("preserveRecent", anyOf(duration(), boolean())),
			p("resetArchiveRetention", anyOf(duration(), boolean())),
			p("maxDiskBytes", anyOf(byteSize(), boolean())),
			p("highWaterBytes", byteSize()),
			p("coldStorage", obj(
				p("enabled", boolean()),
				p("afterDays", posInt()),
			)),
		)),
		p("threadBindings", threadBindingsSchema()),
		p("sharing", obj(
			p("readOnly", boolean()),
			p("suggest", boolean()),
			p("drafts", boolean()),
		)),
		p("sendPolicy", obj(
			p("default", enum("allow", "deny")),
			p("rules", arr(obj(
				p("action", enum("allow", "deny")),
				p("match", obj(
					p("channel", str()),
					p("chatType", enum("direct", "dm", "group", "channel")),
					p("keyPrefix", str()),
					p("rawKeyPrefix", str()),
				)),
			).Require("action"))),
		)),
	).Titled("Sessions").InGroup("Sessions")
}

func messagesSchema() *schema.Node {
	queueMode := enum("steer", "followup", "collect", "steer-backlog", "steer+backlog", "queue", "interrupt")
	return obj(
		p("responsePrefix", str().Titled("Response prefix").Describe(`Prefix for every reply; "auto" derives it from the agent's identity.`)),
		p("messagePrefix", str().Deprecate("use channels.whatsapp.messagePrefix")),
		p("ackReaction", str().Titled("Acknowledgement reaction")),
		p("ackReactionScope", enum("group-mentions", "group-all", "direct", "all", "off", "none")),
		p("removeAckAfterReply", boolean()),
		p("statusReactions", anyOf(boolean(), openObj())),
		p("usageTemplate", str()),
		p("visibleReplies", str()),
		p("suppressToolErrors", boolean()),
		p("groupChat", obj(
			p("historyLimit", nonNegInt().WithDefault(50)),
			p("mentionPatterns", strs()),
			p("unmentionedInbound", str()),
			p("visibleReplies", str()),
		)),
		p("queue", obj(
			p("mode", queueMode),
			p("debounceMs", ms()),
			p("cap", posInt()),
			p("debounceMsByChannel", mapOf(ms())),
			p("drop", enum("old", "new", "summarize")),
			p("byChannel", mapOf(queueMode.Clone())),
		)),
		p("inbound", obj(
			p("debounceMs", ms()),
			p("byChannel", mapOf(ms())),
		)),
		p("tts", ttsSchema()),
	).Titled("Messages").InGroup("Messages")
}

func ttsSchema() *schema.Node {
	voiceSettings := obj(
		p("stability", ratio()),
		p("similarityBoost", ratio()),
		p("style", ratio()),
		p("useSpeakerBoost", boolean()),
		p("speed", number().Range(0.5, 2)),
	)
	elevenlabs := obj(
		p("apiKey", secret("ElevenLabs API key")),
		p("baseUrl", str()),
		p("voiceId", str()),
		p("speakerVoiceId", str()),
		p("modelId", str()),
		p("seed", integer()),
		p("applyTextNormalization", enum("auto", "on", "off")),
		p("languageCode", str()),
		p("voiceSettings", voiceSettings),
	)
	openai := obj(
		p("apiKey", secret("OpenAI API key")),
		p("baseUrl", str()),
		p("model", str()),
		p("voice", str()),
		p("speakerVoice", str()),
		p("instructions", str()),
	)
	return obj(
		p("auto", enum("off", "always", "inbound", "tagged")),
		p("enabled", boolean().Deprecate("use auto (openclaw doctor --fix migrates it)")),
		p("mode", enum("final", "all")),
		p("provider", str()),
		p("summaryModel", modelRef()),
		p("modelOverrides", obj(p("enabled", boolean())).AllowOther(boolean())),
		p("persona", str()),
		p("personas", mapOf(openObj())),
		p("maxTextLength", posInt()),
		p("timeoutMs", ms()),
		p("prefsPath", str()),
		p("elevenlabs", elevenlabs),
		p("openai", openai),
		p("providers", mapOf(openObj())),
	).Titled("Text to speech")
}

func commandsSchema() *schema.Node {
	return obj(
		p("native", anyOf(boolean(), enum("auto")).WithDefault("auto")),
		p("nativeSkills", anyOf(boolean(), enum("auto"))),
		p("text", boolean().WithDefault(true)),
		p("bash", boolean().WithDefault(false)),
		p("bashForegroundMs", ms()),
		p("config", boolean().WithDefault(false)),
		p("debug", boolean().WithDefault(false)),
		p("restart", boolean().WithDefault(false)),
		p("mcp", boolean()),
		p("plugins", boolean()),
		p("useAccessGroups", boolean().WithDefault(true)),
		p("allowFrom", mapOf(idList())),
		p("ownerAllowFrom", idList()),
	).Titled("Chat commands").InGroup("Messages")
}

func talkSchema() *schema.Node {
	return obj(
		p("voiceId", str()),
		p("voiceAliases", mapOf(str())),
		p("modelId", str()),
		p("outputFormat", str()),
		p("apiKey", secret("ElevenLabs API key")),
		p("interruptOnSpeech", boolean()),
		p("agentId", str()),
		p("provider", str()),
		p("providers", mapOf(openObj())),
		p("consultThinkingLevel", thinkingLevel()),
		p("consultFastMode", boolean()),
		p("speechLocale", str()),
		p("silenceTimeoutMs", ms()),
		p("realtime", obj(
			p("mode", enum("realtime", "stt-tts", "transcription")),
			p("provider", str()),
			p("providers", mapOf(openObj())),
			p("transport", enum("webrtc", "provider-websocket", "gateway-relay", "managed-room")),
			p("brain", enum("agent-consult", "direct-tools", "none")),
			p("instructions", str()),
			p("reasoningEffort", str()),
			p("vadThreshold", ratio()),
			p("silenceDurationMs", ms()),
			p("prefixPaddingMs", ms()),
			p("consultRouting", anyOf(boolean(), str(), openObj())),
		).AllowOther(nil)),
	).Titled("Talk mode").InGroup("Messages")
}

func audioSchema() *schema.Node {
	return obj(
		p("transcription", openObj()),
	).AllowOther(nil).Titled("Audio").InGroup("Tools")
}

func cronSchema() *schema.Node {
	return obj(
		p("enabled", boolean().WithDefault(true)),
		p("store", str()),
		p("maxConcurrentRuns", posInt()),
		p("sessionRetention", anyOf(duration(), boolean())),
		p("skipMissedJobs", boolean().WithDefault(false)),
		p("webhook", str()),
		p("webhookToken", secret("Webhook token")),
		p("webhookSsrfPolicy", obj(
			p("allowedHostnames", strs()),
			p("dangerouslyAllowPrivateNetwork", boolean()),
		)),
		p("triggers", obj(p("enabled", boolean()))),
		p("failureAlert", obj(
			p("enabled", boolean()),
			p("after", posInt()),
			p("cooldownMs", ms()),
			p("mode", enum("announce", "webhook")),
			p("channel", str()),
			p("to", str()),
			p("accountId", str()),
			p("includeSkipped", boolean()),
		)),
		p("runLog", openObj()),
	).Titled("Scheduled jobs").InGroup("Automation")
}

func hooksSchema() *schema.Node {
	mapping := obj(
		p("id", str()),
		p("name", str()),
		p("match", obj(
			p("path", str()),
			p("source", str()),
		).AllowOther(nil)),
		p("action", enum("agent", "wake")),
		p("wakeMode", enum("now", "next-heartbeat")),
		p("agentId", str()),
		p("sessionKey", str()),
		p("sessionMode", str()),
		p("messageTemplate", str()),
		p("textTemplate", str()),
		p("forEach", str()),
		p("deliver", boolean()),
		p("allowUnsafeExternalContent", boolean()),
		p("channel", str()),
		p("to", str()),
		p("model", modelRef()),
		p("thinking", thinkingLevel()),
		p("timeoutSeconds", posInt()),
		p("transform", obj(
			p("module", str()),
			p("export", str()),
		)),
		p("retries", openObj()),
	)
	return obj(
		p("enabled", boolean()),
		p("token", secret("Hook token")),
		p("path", str()),
		p("presets", strs()),
		p("transformsDir", str()),
		p("maxBodyBytes", posInt()),
		p("defaultSessionKey", str()),
		p("allowRequestSessionKey", boolean()),
		p("allowedSessionKeyPrefixes", strs()),
		p("allowedAgentIds", strs()),
		p("mappings", arr(mapping)),
		p("retries", openObj()),
		p("gmail", obj(
			p("account", str()),
			p("label", str()),
			p("topic", str()),
			p("subscription", str()),
			p("pushToken", secret("Push token")),
			p("hookUrl", str()),
			p("includeBody", boolean()),
			p("maxBytes", posInt()),
			p("renewEveryMinutes", posInt()),
			p("model", modelRef()),
			p("thinking", thinkingLevel()),
			p("serve", obj(
				p("bind", str()),
				p("port", port()),
				p("path", str()),
			)),
			p("tailscale", obj(
				p("mode", enum("off", "serve", "funnel")),
				p("path", str()),
				p("target", str()),
			)),
		)),
		p("internal", obj(
			p("enabled", boolean()),
			p("entries", mapOf(obj(
				p("enabled", boolean()),
				p("env", mapOf(str())),
				p("paths", strs()),
			).AllowOther(nil))),
			p("load", obj(p("extraDirs", strs()))),
		)),
	).Titled("Webhooks").InGroup("Automation")
}

func browserSchema() *schema.Node {
	profile := obj(
		p("driver", enum("openclaw", "existing-session", "extension", "cdp")),
		p("cdpPort", port()),
		p("cdpUrl", str()),
		p("executablePath", str()),
		p("userDataDir", str()),
		p("attachOnly", boolean()),
		p("headless", boolean()),
		p("color", str()),
	)
	return obj(
		p("enabled", boolean()),
		p("evaluateEnabled", boolean()),
		p("defaultProfile", str()),
		p("profiles", mapOf(profile)),
		p("headless", boolean()),
		p("executablePath", str()),
		p("attachOnly", boolean()),
		p("cdpUrl", str()),
		p("noSandbox", boolean()),
		p("extraArgs", strs()),
		p("color", str()),
		p("nodeId", str()),
		p("targetId", str()),
		p("browserUrl", str()),
		p("browserTitle", str()),
		p("allowSystemProfileImport", boolean()),
		p("snapshotDefaults", openObj()),
		p("tabCleanup", obj(p("enabled", boolean())).AllowOther(nil)),
		p("ssrfPolicy", obj(
			p("allowedHostnames", strs()),
			p("dangerouslyAllowPrivateNetwork", boolean()),
		)),
		p("extensionRelay", obj(p("allowLegacyAuth", boolean()))),
	).Titled("Browser").InGroup("Tools")
}
