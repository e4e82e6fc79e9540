// Streams a chat completion from the gateway with the official openai SDK,
// then makes a non-streaming call and lists models. Prints one JSON object.
//
// OPENAI_BASE_URL (e.g. http://127.0.0.1:18789/v1) and OPENAI_API_KEY (the
// gateway token) select the gateway.
import OpenAI from "openai";

const client = new OpenAI({
  baseURL: process.env.OPENAI_BASE_URL,
  apiKey: process.env.OPENAI_API_KEY,
  maxRetries: 0,
  timeout: 15000,
});

try {
  const stream = await client.chat.completions.create({
    model: "openclaw/default",
    stream: true,
    stream_options: { include_usage: true },
    messages: [
      { role: "system", content: "Answer briefly." },
      { role: "user", content: "stream this reply please" },
    ],
  });
  let text = "";
  let chunks = 0;
  let finishReason = null;
  let usage = null;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (choice?.delta?.content) text += choice.delta.content;
    if (choice?.finish_reason) finishReason = choice.finish_reason;
  }
  const completion = await client.chat.completions.create({
    model: "openclaw",
    messages: [{ role: "user", content: "not streamed" }],
  });
  const models = await client.models.list();
  let badModel = null;
  try {
    await client.chat.completions.create({ model: "openclaw/nobody", messages: [{ role: "user", content: "x" }] });
  } catch (err) {
    badModel = { status: err.status, code: err.code ?? null };
  }
  console.log(
    JSON.stringify({
      stream: { text, chunks, finishReason, usage },
      completion: { text: completion.choices[0].message.content, finishReason: completion.choices[0].finish_reason },
      models: models.data.map((m) => m.id),
      badModel,
    }),
  );
} catch (err) {
  console.error(`openai client failed: ${err?.stack ?? err}`);
  process.exit(1);
}
