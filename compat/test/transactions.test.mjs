// Token transactions: the SDK has no transactions client (the hosted
// platform removed the feature), so begin, commit and rollback go over raw
// HTTP; token calls enlist through the SDK's per-request headers, as users
// of the old feature did.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { baseUrl, rejectsWith, revealingApplication } from "./helpers.mjs";

let bt;
let key;

before(async () => {
  ({ client: bt, key } = await revealingApplication());
});

async function post(path) {
  const res = await fetch(baseUrl + path, { method: "POST", headers: { "BT-API-KEY": key } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const inTxn = (id) => ({ headers: { "BT-TRANSACTION-ID": id } });

describe("token transactions", () => {
  test("staged changes are invisible until commit", async () => {
    const begin = await post("/transactions");
    assert.equal(begin.status, 201);
    const txn = begin.body;
    assert.ok(txn.id && txn.created_at && txn.expires_at, "the seed's transaction object");
    assert.ok(new Date(txn.expires_at) > new Date(txn.created_at));

    const tok = await bt.tokens.create({ type: "token", data: "staged" }, inTxn(txn.id));
    await rejectsWith(bt.tokens.get(tok.id), 404);
    const inside = await bt.tokens.get(tok.id, inTxn(txn.id));
    assert.equal(inside.data, "staged");

    const commit = await post(`/transactions/${txn.id}/commit`);
    assert.equal(commit.status, 200);
    const after = await bt.tokens.get(tok.id);
    assert.equal(after.data, "staged");

    assert.equal((await post(`/transactions/${txn.id}/commit`)).status, 409);
  });

  test("rollback discards, and a held token is locked", async () => {
    const existing = await bt.tokens.create({ type: "token", data: "v0" });
    const txn = (await post("/transactions")).body;
    await bt.tokens.update(existing.id, { data: "v1" }, inTxn(txn.id));
    await rejectsWith(bt.tokens.update(existing.id, { data: "v2" }), 409);
    assert.equal((await bt.tokens.get(existing.id)).data, "v0");

    assert.equal((await post(`/transactions/${txn.id}/rollback`)).status, 200);
    assert.equal((await bt.tokens.get(existing.id)).data, "v0");
    await bt.tokens.update(existing.id, { data: "v2" });
    assert.equal((await bt.tokens.get(existing.id)).data, "v2");
    assert.equal((await post("/transactions/unknown-id/commit")).status, 404);
  });
});
