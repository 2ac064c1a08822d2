// The tenant (client.tenants.self) and the cross-cutting headers: trace id
// and idempotency key as the SDK sends them, ProblemDetails as it parses
// them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { client, management, rejectsWith, revealingApplication } from "./helpers.mjs";

describe("tenant", () => {
  test("get and update", async () => {
    const before = await management.tenants.self.get();
    assert.ok(before.id);
    assert.ok(before.createdAt instanceof Date);
    const updated = await management.tenants.self.update({
      name: before.name,
      settings: { ...before.settings, fingerprint_tokens: "false" },
    });
    assert.equal(updated.settings.fingerprint_tokens, "false");
    assert.ok(updated.modifiedAt instanceof Date);
    await management.tenants.self.update({ name: before.name, settings: before.settings });
  });

  test("an invalid setting is a 400 on its path", async () => {
    const t = await management.tenants.self.get();
    const err = await rejectsWith(
      management.tenants.self.update({ name: t.name, settings: { deduplicate_tokens: "sometimes" } }),
      400,
      "BadRequestError",
    );
    assert.ok(err.body.errors["settings.deduplicate_tokens"]);
  });

  test("the default tenant is not deleted", async () => {
    await rejectsWith(management.tenants.self.delete(), 409);
  });
});

describe("headers", () => {
  test("an invalid key is a 401", async () => {
    await rejectsWith(client("key_test_not_a_key").tokens.get("anything"), 401, "UnauthorizedError");
  });

  test("the trace id is echoed", async () => {
    const { key, client: bt } = await revealingApplication();
    const { rawResponse } = await bt.tokens.create({ type: "token", data: "traced" }, { correlationId: "compat-trace-1" }).withRawResponse();
    assert.equal(rawResponse.headers.get("bt-trace-id"), "compat-trace-1");
    const traced = client(key, { correlationId: "compat-trace-2" });
    const res = await traced.tenants.self.get().withRawResponse().catch((err) => err);
    assert.equal(res.rawResponse.headers.get("bt-trace-id"), "compat-trace-2", "on errors too");
  });

  test("an idempotency key replays the first response", async () => {
    const { client: bt } = await revealingApplication();
    const idempotencyKey = `compat-${Date.now()}`;
    const first = await bt.tokens.create({ type: "token", data: "once" }, { idempotencyKey });
    const second = await bt.tokens.create({ type: "token", data: "once" }, { idempotencyKey });
    assert.equal(second.id, first.id);
    await rejectsWith(bt.tokens.create({ type: "token", data: "different" }, { idempotencyKey }), 409, "ConflictError");
  });
});
