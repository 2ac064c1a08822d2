// Access rules: masked and forbidden reads, and what lists leave out.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { all, application, management, rejectsWith, revealingApplication, unique } from "./helpers.mjs";

let owner;
let card;
let ssn;
const tag = unique("access");

before(async () => {
  ({ client: owner } = await revealingApplication());
  card = await owner.tokens.create({ type: "card_number", data: "4242424242424242", metadata: { tag } });
  ssn = await owner.tokens.create({ type: "social_security_number", data: "123-45-6789", metadata: { tag } });
});

describe("access rules", () => {
  test("reveal on one container, mask on another, nothing elsewhere", async () => {
    const { client: pci } = await application({
      rules: [
        { description: "pci reveal", priority: 1, container: "/pci/", transform: "reveal", permissions: ["token:read", "token:search"] },
        { description: "pii mask", priority: 2, container: "/pii/", transform: "mask", permissions: ["token:read", "token:search"] },
      ],
    });
    assert.equal((await pci.tokens.get(card.id)).data, "4242424242424242");
    assert.equal((await pci.tokens.get(ssn.id)).data, "XXX-XX-6789");

    const other = await owner.tokens.create({ type: "token", data: "general" });
    await rejectsWith(pci.tokens.get(other.id), 403, "ForbiddenError");
  });

  test("redact hides the data", async () => {
    const { client: redacted } = await application({
      rules: [{ priority: 1, container: "/", transform: "redact", permissions: ["token:read"] }],
    });
    const t = await redacted.tokens.get(card.id);
    assert.equal(t.id, card.id);
    assert.equal(t.data, undefined);
  });

  test("plain permissions mask reads", async () => {
    const { client: masked } = await application({ permissions: ["token:read"] });
    assert.equal((await masked.tokens.get(card.id)).data, "XXXXXXXXXXXX4242");
  });

  test("a forbidden read is a 403 ProblemDetails", async () => {
    const { client: creator } = await application({ permissions: ["token:create"] });
    const err = await rejectsWith(creator.tokens.get(card.id), 403, "ForbiddenError");
    assert.ok(!JSON.stringify(err.body).includes("4242424242424242"));
  });

  test("lists and searches leave out what the caller may not read", async () => {
    const { client: pciOnly } = await application({
      rules: [{ priority: 1, container: "/pci/", transform: "mask", permissions: ["token:read", "token:search"] }],
    });
    const listed = await all(pciOnly.tokens.listV2({ metadata: { tag } }));
    assert.deepEqual(listed.map((t) => t.id), [card.id]);
    assert.equal(listed[0].data, "XXXXXXXXXXXX4242");
    const found = await all(pciOnly.tokens.searchV2({ query: `metadata.tag:"${tag}"` }));
    assert.deepEqual(found.map((t) => t.id), [card.id]);
  });

  test("an update changes what a key may read at once", async () => {
    const { app, client: c } = await application({ permissions: ["token:create"] });
    await rejectsWith(c.tokens.get(card.id), 403);
    await management.applications.update(app.id, {
      name: app.name,
      rules: [{ priority: 1, container: "/pci/", transform: "reveal", permissions: ["token:read"] }],
    });
    assert.equal((await c.tokens.get(card.id)).data, "4242424242424242");
  });
});
