// Drives the gateway with OpenClaw's reference client, @openclaw/gateway-client:
// handshake, health, status, config.get, chat.send with its streamed chat
// events, an unknown method, and agent with expectFinal. Prints one JSON
// object describing what happened; exits non-zero on any failure.
//
// GATEWAY_URL and GATEWAY_TOKEN select the gateway.
import { GatewayClient } from "@openclaw/gateway-client";

const url = process.env.GATEWAY_URL;
const token = process.env.GATEWAY_TOKEN;
if (!url || !token) {
  console.error("GATEWAY_URL and GATEWAY_TOKEN are required");
  process.exit(2);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const events = [];
const waiters = [];
const connected = Promise.withResolvers();
const client = new GatewayClient({
  url,
  token,
  clientVersion: "e2e",
  onHelloOk: (hello) => connected.resolve(hello),
  onConnectError: (err) => connected.reject(err),
  onEvent: (evt) => {
    events.push(evt);
    for (const w of waiters.splice(0)) w();
  },
});

function waitForEvent(match, ms, what) {
  return withTimeout(
    new Promise((resolve) => {
      const check = () => {
        const found = events.find(match);
        if (found) resolve(found);
        else waiters.push(check);
      };
      check();
    }),
    ms,
    what,
  );
}

try {
  client.start();
  const hello = await withTimeout(connected.promise, 15000, "hello-ok");
  const health = await client.request("health", {});
  const status = await client.request("status", {});
  const config = await client.request("config.get", {});
  const ack = await client.request("chat.send", {
    sessionKey: "agent:main:e2e",
    message: "hello from node",
    idempotencyKey: `e2e-${Date.now()}`,
  });
  const final = await waitForEvent(
    (e) => e.event === "chat" && e.payload?.runId === ack.runId && e.payload?.state === "final",
    15000,
    "the final chat event",
  );
  const deltas = events
    .filter((e) => e.event === "chat" && e.payload?.runId === ack.runId && e.payload?.state === "delta")
    .map((e) => e.payload.deltaText);
  let unknown = null;
  try {
    await client.request("no.such.method", {});
  } catch (err) {
    unknown = { code: err.gatewayCode ?? err.code, message: err.message };
  }
  const healthAfter = await client.request("health", {});
  let accepted = null;
  const agent = await client.request(
    "agent",
    { message: "final please", idempotencyKey: `e2e-agent-${Date.now()}` },
    { expectFinal: true, onAccepted: (p) => (accepted = p) },
  );
  console.log(
    JSON.stringify({
      hello: {
        protocol: hello.protocol,
        serverVersion: hello.server?.version,
        methods: hello.features?.methods ?? [],
        role: hello.auth?.role,
        tickIntervalMs: hello.policy?.tickIntervalMs,
      },
      health: { ok: health.ok, defaultAgentId: health.defaultAgentId ?? null },
      status: { ok: status.ok, version: status.version },
      config: { hash: config.hash, raw: config.raw },
      chat: {
        runId: ack.runId,
        status: ack.status,
        deltas,
        finalText: final.payload.message?.content?.[0]?.text ?? null,
      },
      unknown,
      healthAfterUnknown: healthAfter.ok,
      agent: { accepted: accepted?.status ?? null, status: agent.status, text: agent.result?.payloads?.[0]?.text ?? null },
    }),
  );
  await client.stopAndWait({ timeoutMs: 2000 }).catch(() => {});
  process.exit(0);
} catch (err) {
  console.error(`gateway-client failed: ${err?.stack ?? err}`);
  client.stop();
  process.exit(1);
}
