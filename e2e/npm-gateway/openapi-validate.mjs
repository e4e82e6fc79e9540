// Validates the gateway's /api/v1/openapi.json with an independent OpenAPI
// 3.x validator. OPENAPI_URL selects the document.
import { Validator } from "@seriousme/openapi-schema-validator";

const res = await fetch(process.env.OPENAPI_URL);
if (!res.ok) {
  console.error(`fetch ${process.env.OPENAPI_URL}: HTTP ${res.status}`);
  process.exit(1);
}
const doc = await res.json();
const validator = new Validator();
const result = await validator.validate(doc);
console.log(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));
process.exit(result.valid ? 0 : 1);
