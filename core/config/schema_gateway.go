package config

import "github.com/openclaw-go/openclaw/core/config/schema"

func gatewaySchema() *schema.Node {
	return obj(
		p("mode", enum("local", "remote").WithDefault("local").Titled("Gateway mode").
			Describe("local runs the gateway here; remote makes this machine a client of another gateway.")),
		p("port", port().WithDefault(DefaultGatewayPort).Titled("Port").
			Describe("One port for HTTP and WebSocket. --port and OPENCLAW_GATEWAY_PORT take precedence.")),
		p("bind", enum("loopback", "lan", "tailnet", "custom", "auto").WithDefault("loopback").Titled("Bind").
			Describe("Which interfaces to listen on; anything but loopback requires auth.")),
		p("customBindHost", str().Titled("Custom bind address")),
		p("publicOrigin", str().Titled("Public origin")),
		p("portals", openObj()),
		p("auth", gatewayAuthSchema().Materialize()),
		p("roles", obj(
			p("default", str()),
			p("definitions", mapOf(obj(
				p("sessions", obj(p("others", enum("none", "view", "suggest", "write")))),
				p("agents", anyOf(enum("*"), strs())),
				p("scopes", strs()),
				p("sandbox", enum("inherit", "required")),
				p("accessPolicyPlugin", str()),
			))),
		).Require("default", "definitions")),
		p("tailscale", obj(
			p("mode", enum("off", "serve", "funnel").WithDefault("off")),
			p("resetOnExit", boolean()),
			p("preserveFunnel", boolean()),
		).Titled("Tailscale")),
		p("controlUi", obj(
			p("enabled", boolean().WithDefault(true)),
			p("basePath", str()),
			p("root", str()),
			p("allowedOrigins", strs()),
			p("allowInsecureAuth", boolean()),
			p("dangerouslyAllowHostHeaderOriginFallback", boolean()),
			p("dangerouslyDisableDeviceAuth", boolean()),
			p("embedSandbox", enum("strict", "scripts", "trusted")),
			p("allowExternalEmbedUrls", boolean()),
			p("automaticallyFetchFavicons", boolean()),
			p("communityInvite", boolean()),
			p("experimental", obj(p("customPlugins", boolean()))),
			p("environment", obj(
				p("label", str()),
				p("color", enum("teal", "amber", "purple", "coral", "pink", "blue", "green", "red", "gray")),
			)),
			p("github", obj(p("token", secret("GitHub token")))),
			p("sessionObserver", openObj()),
		).Titled("Control UI")),
		p("cliAgents", obj(p("enabled", boolean()))),
		p("terminal", obj(
			p("enabled", boolean()),
			p("shell", str()),
			p("detachedSessionTimeoutSeconds", nonNeg()),
		)),
		p("remote", obj(
			p("url", str().Titled("Remote gateway URL")),
			p("transport", enum("ssh", "direct")),
			p("token", secret("Remote token")),
			p("password", secret("Remote password")),
			p("remotePort", port()),
			p("tlsFingerprint", str()),
			p("sshTarget", str()),
			p("sshIdentity", str()),
			p("sshHostKeyPolicy", enum("strict", "openssh")),
			p("edgeAuth", openObj()),
		).Titled("Remote gateway")),
		p("trustedProxies", strs().Titled("Trusted proxies")),
		p("allowRealIpFallback", boolean()),
		p("nodes", obj(
			p("pairing", obj(
				p("autoApproveLocal", boolean()),
				p("autoApproveCidrs", strs()),
				p("sshVerify", anyOf(boolean(), obj(
					p("user", str()),
					p("identity", str()),
					p("timeoutMs", ms()),
					p("cidrs", strs()),
				))),
			)),
			p("commands", obj(p("allow", strs()), p("deny", strs()))),
			p("browser", openObj()),
			p("pluginTools", obj(p("enabled", boolean()))),
			p("allowSkills", anyOf(boolean(), strs())),
		)),
		p("tools", obj(p("allow", strs()), p("deny", strs()))),
		p("push", obj(p("apns", obj(p("relay", obj(
			p("baseUrl", str()),
			p("timeoutMs", ms()),
		)))))),
		p("http", obj(
			p("endpoints", obj(
				p("chatCompletions", obj(p("enabled", boolean().WithDefault(false))).AllowOther(nil)),
				p("responses", obj(
					p("enabled", boolean().WithDefault(false)),
					p("maxUrlParts", nonNegInt()),
					p("files", obj(p("allowUrl", boolean()), p("urlAllowlist", strs())).AllowOther(nil)),
					p("images", obj(p("allowUrl", boolean()), p("urlAllowlist", strs())).AllowOther(nil)),
				)),
			)),
			p("securityHeaders", obj(p("strictTransportSecurity", anyOf(boolean(), str())))),
		)),
		p("tls", obj(
			p("enabled", boolean().WithDefault(false)),
			p("autoGenerate", boolean()),
			p("certPath", str()),
			p("keyPath", str()),
			p("caPath", str()),
		).Titled("TLS")),
		p("reload", obj(
			p("mode", enum("hybrid", "hot", "restart", "off").WithDefault(DefaultReloadMode).Titled("Reload mode").
				Describe("hybrid applies safe changes live and restarts for the rest; hot only applies live; restart always restarts; off ignores edits.")),
			p("debounceMs", ms().WithDefault(DefaultReloadDebounceMs).Titled("Reload debounce (ms)")),
			p("deferralTimeoutMs", ms()),
		).Titled("Config reload").Materialize()),
	).Titled("Gateway").InGroup("Gateway")
}

func gatewayAuthSchema() *schema.Node {
	return obj(
		p("mode", enum("none", "token", "password", "trusted-proxy").WithDefault("token").Titled("Auth mode")),
		p("token", secret("Gateway token").Describe("Shared token clients present; OPENCLAW_GATEWAY_TOKEN also works.")),
		p("password", secret("Gateway password")),
		p("allowTailscale", boolean().Titled("Accept Tailscale identity")),
		p("trustedProxy", obj(
			p("userHeader", str()),
			p("requiredHeaders", strs()),
			p("allowUsers", strs()),
			p("allowLoopback", boolean()),
		).AllowOther(nil)),
		p("identityScopes", mapOf(strs())),
		p("rateLimit", obj(
			p("maxAttempts", posInt()),
			p("windowMs", ms()),
			p("lockoutMs", ms()),
			p("exemptLoopback", boolean()),
		)),
	).Titled("Gateway auth")
}
