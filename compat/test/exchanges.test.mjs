// Exchanges and exchange templates, the 2021 API that the SDK 5.x has no
// client for: over raw HTTP with the seed's X-API-KEY header against the
// same vaultd. A card created through the SDK is exchanged, and the new
// token is read back through the SDK.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { application, baseUrl, managementKey, revealingApplication, unique } from "./helpers.mjs";

const cardNumberTemplate = "a8d2b313-4504-4c30-bfdb-21d03463b4f2"; // vault.ExchangeTemplateCardNumber
const binLast4Template = "6963ada3-74fd-4767-a19d-83ee75f4144c"; // vault.ExchangeTemplateCardBINLast4

let reader; // an SDK client that reveals every token
let exchangerKey; // a private application with exchange:invoke and token:create
let card; // a card token created through the SDK

before(async () => {
  ({ client: reader } = await revealingApplication());
  card = await reader.tokens.create({
    type: "card",
    data: { number: "4242424242424242", expiration_month: 12, expiration_year: 2030 },
    metadata: { customer: "c-9" },
  });
  ({ key: exchangerKey } = await application({ permissions: ["exchange:invoke", "token:create"] }));
});

/** Calls the API over raw HTTP with the given key in X-API-KEY. */
async function raw(method, path, body, key = managementKey) {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { "X-API-KEY": key, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe("exchanges", () => {
  test("templates list the official ones, which are read-only", async () => {
    const listed = await raw("GET", "/exchange-templates?source_token_type=card&size=100");
    assert.equal(listed.status, 200);
    const ids = listed.body.data.map((t) => t.id);
    assert.ok(ids.includes(cardNumberTemplate) && ids.includes(binLast4Template), JSON.stringify(ids));
    assert.equal(listed.body.pagination.page_number, 1);
    const official = await raw("GET", `/exchange-templates/${binLast4Template}`);
    assert.equal(official.body.type, "official");
    assert.deepEqual(official.body.configuration.map((c) => [c.name, c.type]), [["BIN_LENGTH", "number"], ["INCLUDE_EXPIRATION", "boolean"]]);
    assert.equal((await raw("DELETE", `/exchange-templates/${binLast4Template}`)).status, 403);
  });

  test("create, exchange a card, read the new token through the SDK", async () => {
    const name = unique("parts");
    const created = await raw("POST", "/exchanges", {
      name,
      configuration: { BIN_LENGTH: 8, INCLUDE_EXPIRATION: true },
      template: { id: binLast4Template },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.configuration, { BIN_LENGTH: "8", INCLUDE_EXPIRATION: "true" });
    assert.equal(created.body.template.id, binLast4Template);

    const exchanged = await raw("POST", `/exchanges/${created.body.id}/exchange`, { token_id: card.id }, exchangerKey);
    assert.equal(exchanged.status, 201, JSON.stringify(exchanged.body));
    assert.equal(exchanged.body.type, "token");
    const token = await reader.tokens.get(exchanged.body.id);
    assert.deepEqual(token.data, { bin: "42424242", last4: "4242", expiration_month: 12, expiration_year: 2030 });
    assert.deepEqual(token.metadata, { customer: "c-9" });

    const number = await raw("POST", "/exchanges", { name: unique("number"), configuration: {}, template: { id: cardNumberTemplate } });
    const pan = await raw("POST", `/exchanges/${number.body.id}/exchange`, { token_id: card.id }, exchangerKey);
    assert.equal(pan.status, 201);
    const panToken = await reader.tokens.get(pan.body.id);
    assert.equal(panToken.type, "card_number");
    assert.equal(panToken.data, "4242424242424242");

    const updated = await raw("PUT", `/exchanges/${created.body.id}`, { name: `${name}-v2`, configuration: { BIN_LENGTH: "6", INCLUDE_EXPIRATION: "false" } });
    assert.equal(updated.status, 200);
    assert.ok(updated.body.modified_at);
    const listed = await raw("GET", `/exchanges?name=${encodeURIComponent(name)}*`);
    assert.deepEqual(listed.body.data.map((e) => e.id), [created.body.id]);
    assert.equal((await raw("DELETE", `/exchanges/${created.body.id}`)).status, 204);
    assert.equal((await raw("GET", `/exchanges/${created.body.id}`)).status, 404);
  });

  test("errors", async () => {
    assert.equal((await raw("GET", "/exchanges", undefined, "key_not_a_real_key")).status, 401);
    const bad = await raw("POST", "/exchanges", { name: "x", configuration: { BIN_LENGTH: "eight" }, template: { id: binLast4Template } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.errors["configuration.BIN_LENGTH"], JSON.stringify(bad.body));
    assert.ok(bad.body.errors["configuration.INCLUDE_EXPIRATION"], JSON.stringify(bad.body));
    const ex = await raw("POST", "/exchanges", { name: unique("e"), configuration: {}, template: { id: cardNumberTemplate } });
    const noInvoke = await raw("POST", `/exchanges/${ex.body.id}/exchange`, { token_id: card.id }, managementKey);
    assert.equal(noInvoke.status, 403);
  });
});
