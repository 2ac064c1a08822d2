// client.tokens.tokenize and client.tokens.detokenize.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { application, rejectsWith, revealingApplication } from "./helpers.mjs";

let bt;

before(async () => {
  ({ client: bt } = await revealingApplication());
});

describe("tokenize", () => {
  test("replaces every sensitive part, keeping the shape", async () => {
    const out = await bt.tokens.tokenize({
      first_name: "John",
      primary_card: { type: "card", data: { number: "4242424242424242", expiration_month: 12, expiration_year: 2030 } },
      sensitive_tags: ["preferred", { type: "token", data: "vip" }],
    });
    assert.equal(typeof out.first_name, "string");
    assert.notEqual(out.first_name, "John");
    assert.equal(out.primary_card.type, "card");
    assert.ok(out.primary_card.id);
    assert.equal(typeof out.sensitive_tags[0], "string");
    assert.equal(out.sensitive_tags[1].type, "token");

    const name = await bt.tokens.get(out.first_name);
    assert.equal(name.data, "John");
    assert.equal(name.type, "token");
  });

  test("a top-level array", async () => {
    const out = await bt.tokens.tokenize(["a", "b", { type: "card_number", data: "4242424242424242" }]);
    assert.equal(out.length, 3);
    assert.equal(out[2].type, "card_number");
  });

  test("more than the tenant's limit is a 400", async () => {
    await rejectsWith(bt.tokens.tokenize(["1", "2", "3", "4", "5", "6"]), 400, "BadRequestError");
  });

  test("nothing is created when one part is invalid", async () => {
    const err = await rejectsWith(
      bt.tokens.tokenize({ ok: "fine", bad: { type: "card_number", data: "1234" } }),
      400,
      "BadRequestError",
    );
    assert.ok(Object.keys(err.body.errors ?? {}).length > 0, JSON.stringify(err.body));
  });
});

describe("detokenize", () => {
  let card;
  let ssn;

  before(async () => {
    card = await bt.tokens.create({
      type: "card",
      data: { number: "4242424242424242", expiration_month: 12, expiration_year: 2030 },
    });
    ssn = await bt.tokens.create({ type: "social_security_number", data: "123-45-6789" });
  });

  test("expressions, whole tokens and filters", async () => {
    const out = await bt.tokens.detokenize({
      number: `{{ ${card.id} | json: '$.number' }}`,
      month: `{{ ${card.id} | json: '$.expiration_month' }}`,
      whole: `{{ token: ${ssn.id} }}`,
      text: `SSN ending {{ ${ssn.id} | last4 }}`,
      untouched: 42,
    });
    assert.equal(out.number, "4242424242424242");
    assert.equal(out.month, 12);
    assert.equal(out.whole.id, ssn.id);
    assert.equal(out.whole.data, "123-45-6789");
    assert.equal(out.text, "SSN ending 6789");
    assert.equal(out.untouched, 42);
  });

  test("masked for an application whose read is masked", async () => {
    const { client: masked } = await application({ permissions: ["token:read"] });
    const out = await masked.tokens.detokenize({ ssn: `{{ ${ssn.id} }}` });
    assert.equal(out.ssn, "XXX-XX-6789");
  });

  test("an unknown token is a 400", async () => {
    await rejectsWith(bt.tokens.detokenize({ x: "{{ 00000000-0000-4000-8000-000000000000 }}" }), 400, "BadRequestError");
  });
});
