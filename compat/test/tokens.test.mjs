// Tokens of every type through client.tokens: create, get, update (merge
// patch), delete, listV2 and searchV2.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { all, application, rejectsWith, revealingApplication, unique } from "./helpers.mjs";

let bt;

before(async () => {
  ({ client: bt } = await revealingApplication());
});

// One valid request per token type, with what the created token shows.
const types = [
  {
    type: "token",
    data: { nested: { value: "anything" }, list: [1, 2, 3] },
    container: "/general/high/",
  },
  {
    type: "card",
    data: { number: "4242424242424242", expiration_month: 12, expiration_year: 2030, cvc: "123" },
    container: "/pci/high/",
    check: (t) => {
      assert.equal(t.card.last4, "4242");
      assert.equal(t.card.bin.slice(0, 6), "424242");
      assert.equal(t.card.expirationMonth, 12);
      assert.equal(t.card.brand, "visa");
    },
  },
  {
    type: "bank",
    data: { routing_number: "021000021", account_number: "1234567890" },
    container: "/bank/high/",
    check: (t) => {
      assert.equal(t.bank.routingNumber, "021000021");
      assert.equal(t.bank.accountNumberLast4, "7890");
    },
  },
  { type: "card_number", data: "4242424242424242", container: "/pci/high/" },
  { type: "us_bank_account_number", data: "1234567890", container: "/bank/high/" },
  { type: "us_bank_routing_number", data: "021000021", container: "/bank/low/" },
  { type: "social_security_number", data: "123-45-6789", container: "/pii/high/" },
  { type: "employer_id_number", data: "12-3456789", container: "/pii/high/" },
];

describe("every token type", () => {
  for (const { type, data, container, check } of types) {
    test(type, async () => {
      const created = await bt.tokens.create({ type, data, metadata: { suite: "types" } });
      assert.equal(created.type, type);
      assert.ok(created.id);
      assert.ok(created.tenantId);
      assert.ok(created.createdAt instanceof Date, "created_at parses as a date");
      assert.deepEqual(created.containers, [container]);
      assert.equal(created.extras.deduplicated, false);

      const read = await bt.tokens.get(created.id);
      assert.deepEqual(read.data, data);
      assert.deepEqual(read.metadata, { suite: "types" });
      check?.(read);
    });
  }
});

describe("create", () => {
  test("with every option", async () => {
    const id = unique("custom");
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const t = await bt.tokens.create({
      id,
      type: "token",
      data: "value-for-options",
      metadata: { order: "o-1" },
      searchIndexes: ["{{ data }}", "{{ data | last4 }}"],
      fingerprintExpression: "{{ data }}",
      mask: "{{ data | reveal_last: 3 }}",
      containers: ["/orders/"],
      expiresAt,
    });
    assert.equal(t.id, id);
    assert.deepEqual(t.searchIndexes, ["{{ data }}", "{{ data | last4 }}"]);
    assert.equal(t.fingerprintExpression, "{{ data }}");
    assert.ok(t.fingerprint);
    assert.deepEqual(t.containers, ["/orders/"]);
    assert.equal(t.expiresAt.toISOString(), expiresAt);
  });

  test("a taken custom id is a conflict", async () => {
    const id = unique("dup");
    await bt.tokens.create({ id, type: "token", data: "a" });
    await rejectsWith(bt.tokens.create({ id, type: "token", data: "b" }), 409, "ConflictError");
  });

  test("deduplication returns the existing token", async () => {
    const data = unique("dedup");
    const first = await bt.tokens.create({ type: "token", data, fingerprintExpression: "{{ data }}", deduplicateToken: true });
    const second = await bt.tokens.create({ type: "token", data, fingerprintExpression: "{{ data }}", deduplicateToken: true });
    assert.equal(second.id, first.id);
    assert.equal(second.extras.deduplicated, true);
  });

  test("an invalid card is a 400 with the field path", async () => {
    const err = await rejectsWith(
      bt.tokens.create({ type: "card", data: { number: "4242424242424241" } }),
      400,
      "BadRequestError",
    );
    assert.ok(err.body.errors["data.number"], JSON.stringify(err.body));
    assert.equal(err.body.title, "One or more validation errors occurred.");
    assert.ok(!JSON.stringify(err.body).includes("4242424242424241"), "the value is never echoed");
  });

  test("a custom id that needs URL encoding", async () => {
    const id = unique("user:42@example.com");
    await bt.tokens.create({ id, type: "token", data: "encoded" });
    const t = await bt.tokens.get(id);
    assert.equal(t.id, id);
    await bt.tokens.delete(id);
  });

  test("numbers keep every digit the SDK sends", async () => {
    const t = await bt.tokens.create({ type: "token", data: { amount: 12345.678, count: 9007199254740991 } });
    const read = await bt.tokens.get(t.id);
    assert.deepEqual(read.data, { amount: 12345.678, count: 9007199254740991 });
  });
});

describe("update", () => {
  test("merges data and metadata, replaces the rest", async () => {
    const t = await bt.tokens.create({
      type: "card",
      data: { number: "4242424242424242", expiration_month: 1, expiration_year: 2030 },
      metadata: { keep: "yes" },
    });
    const updated = await bt.tokens.update(t.id, {
      data: { expiration_month: 2 },
      metadata: { added: "new" },
      searchIndexes: ["{{ data.number | last4 }}"],
    });
    assert.deepEqual(updated.data, { number: "4242424242424242", expiration_month: 2, expiration_year: 2030 });
    assert.equal(updated.metadata.keep, "yes");
    assert.equal(updated.metadata.added, "new");
    assert.deepEqual(updated.searchIndexes, ["{{ data.number | last4 }}"]);
    assert.ok(updated.modifiedAt instanceof Date);
  });

  test("null in a merge patch removes a member", async () => {
    const t = await bt.tokens.create({ type: "token", data: { a: 1, b: { c: 2, d: 3 } } });
    const updated = await bt.tokens.update(t.id, { data: { a: null, b: { d: null } } });
    assert.deepEqual(updated.data, { b: { c: 2 } });
  });

  test("containers move with token:update on both", async () => {
    const t = await bt.tokens.create({ type: "token", data: "mover", containers: ["/from/"] });
    const updated = await bt.tokens.update(t.id, { containers: ["/to/"] });
    assert.deepEqual(updated.containers, ["/to/"]);
  });

  test("an unknown token is a 404", async () => {
    await rejectsWith(bt.tokens.update(unique("missing"), { metadata: { a: "1" } }), 404, "NotFoundError");
  });
});

describe("delete", () => {
  test("removes the token", async () => {
    const t = await bt.tokens.create({ type: "token", data: "to delete" });
    await bt.tokens.delete(t.id);
    await rejectsWith(bt.tokens.get(t.id), 404, "NotFoundError");
    await rejectsWith(bt.tokens.delete(t.id), 404, "NotFoundError");
  });
});

describe("listV2", () => {
  const batch = unique("batch");
  const container = `/${unique("list").replaceAll("-", "_")}/`;
  const ids = [];

  before(async () => {
    for (let i = 0; i < 7; i++) {
      const t = await bt.tokens.create({ type: "token", data: `listed-${i}`, metadata: { batch }, containers: [container] });
      ids.push(t.id);
    }
  });

  test("pages by cursor until the end", async () => {
    const page = await bt.tokens.listV2({ container, size: 3 });
    assert.equal(page.data.length, 3);
    assert.equal(page.response.pagination.pageSize, 3);
    assert.ok(page.hasNextPage());
    const listed = await all(bt.tokens.listV2({ container, size: 3 }));
    assert.deepEqual(listed.map((t) => t.id).sort(), [...ids].sort());
  });

  test("filters by metadata", async () => {
    const listed = await all(bt.tokens.listV2({ metadata: { batch } }));
    assert.equal(listed.length, 7);
  });

  test("filters by type", async () => {
    const listed = await all(bt.tokens.listV2({ type: "token", container }));
    assert.equal(listed.length, 7);
    const none = await all(bt.tokens.listV2({ type: "card", container }));
    assert.equal(none.length, 0);
  });
});

describe("searchV2", () => {
  test("finds by search index", async () => {
    const value = unique("searchable");
    const t = await bt.tokens.create({ type: "token", data: value, searchIndexes: ["{{ data }}"] });
    const found = await all(bt.tokens.searchV2({ query: `data:"${value}"` }));
    assert.deepEqual(found.map((x) => x.id), [t.id]);
    assert.equal(found[0].data, value);
  });

  test("the default search index of an SSN", async () => {
    const t = await bt.tokens.create({ type: "social_security_number", data: "987-65-4321" });
    const found = await all(bt.tokens.searchV2({ query: "data:4321 AND type:social_security_number", size: 100 }));
    assert.ok(found.some((x) => x.id === t.id));
  });

  test("by metadata with a container, paged", async () => {
    const tag = unique("tag");
    for (let i = 0; i < 5; i++) {
      await bt.tokens.create({ type: "token", data: `s-${i}`, metadata: { tag }, containers: ["/search/"] });
    }
    const page = await bt.tokens.searchV2({ query: `metadata.tag:"${tag}" AND container:/search/`, size: 2 });
    assert.equal(page.data.length, 2);
    const found = await all(bt.tokens.searchV2({ query: `metadata.tag:"${tag}"`, size: 2 }));
    assert.equal(found.length, 5);
  });

  test("a bad query is a 400 on the query field", async () => {
    const err = await rejectsWith(bt.tokens.searchV2({ query: "data:(" }), 400, "BadRequestError");
    assert.ok(err.body.errors.query);
  });
});

describe("permissions", () => {
  test("a public application creates tokens and sees them masked", async () => {
    const { client: pub } = await application({ type: "public", permissions: ["token:create"] });
    const t = await pub.tokens.create({ type: "card_number", data: "4242424242424242" });
    assert.equal(t.data, "XXXXXXXXXXXX4242");
    await rejectsWith(pub.tokens.get(t.id), 403, "ForbiddenError");
  });
});
