// Sessions: created with a public key, authorized with a private key, used
// with the session key.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { application, client, rejectsWith, revealingApplication } from "./helpers.mjs";

let publicApp;
let privateApp;
let owner;

before(async () => {
  publicApp = await application({ type: "public", permissions: ["token:create"] });
  privateApp = await application({ permissions: ["token:read"] });
  ({ client: owner } = await revealingApplication());
});

describe("sessions", () => {
  test("create, authorize with conditions, read with the session key", async () => {
    const card = await owner.tokens.create({ type: "card_number", data: "4242424242424242" });
    const other = await owner.tokens.create({ type: "card_number", data: "5555555555554444" });

    const session = await publicApp.client.sessions.create();
    assert.ok(session.sessionKey);
    assert.ok(session.nonce);
    assert.ok(session.expiresAt instanceof Date);
    const sessionClient = client(session.sessionKey);
    await rejectsWith(sessionClient.tokens.get(card.id), 403, "ForbiddenError");

    await privateApp.client.sessions.authorize({
      nonce: session.nonce,
      rules: [
        {
          description: "one card",
          priority: 1,
          transform: "mask",
          permissions: ["token:read"],
          conditions: [{ attribute: "id", operator: "equals", value: card.id }],
        },
      ],
    });
    assert.equal((await sessionClient.tokens.get(card.id)).data, "XXXXXXXXXXXX4242");
    await rejectsWith(sessionClient.tokens.get(other.id), 403, "ForbiddenError");
  });

  test("authorize with permissions and an expiry", async () => {
    const t = await owner.tokens.create({ type: "token", data: "session read" });
    const session = await publicApp.client.sessions.create();
    await privateApp.client.sessions.authorize({
      nonce: session.nonce,
      permissions: ["token:read"],
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const read = await client(session.sessionKey).tokens.get(t.id);
    assert.equal(read.id, t.id);
  });

  test("a nonce works once", async () => {
    const session = await publicApp.client.sessions.create();
    await privateApp.client.sessions.authorize({ nonce: session.nonce, permissions: ["token:read"] });
    await rejectsWith(privateApp.client.sessions.authorize({ nonce: session.nonce, permissions: ["token:read"] }), 404, "NotFoundError");
  });

  test("only a public key creates and only a private key authorizes", async () => {
    await rejectsWith(privateApp.client.sessions.create(), 403, "ForbiddenError");
    const session = await publicApp.client.sessions.create();
    await rejectsWith(publicApp.client.sessions.authorize({ nonce: session.nonce, permissions: ["token:read"] }), 403, "ForbiddenError");
  });

  test("a session cannot be granted more than the authorizer holds", async () => {
    const session = await publicApp.client.sessions.create();
    await rejectsWith(privateApp.client.sessions.authorize({ nonce: session.nonce, permissions: ["token:delete"] }), 403, "ForbiddenError");
  });

  test("a session cannot be granted a wider container or transform than the authorizer's", async () => {
    const scoped = await application({
      rules: [{ description: "a, masked", priority: 1, container: "/a/", transform: "mask", permissions: ["token:read"] }],
    });
    const b = await owner.tokens.create({ type: "token", data: "b secret", containers: ["/b/"] });
    await rejectsWith(scoped.client.tokens.get(b.id), 403, "ForbiddenError");
    const session = await publicApp.client.sessions.create();
    const wide = [{ description: "everything", priority: 1, container: "/", transform: "reveal", permissions: ["token:read"] }];
    const err = await rejectsWith(scoped.client.sessions.authorize({ nonce: session.nonce, rules: wide }), 403, "ForbiddenError");
    assert.ok(err.body.errors["rules[0].container"], JSON.stringify(err.body));
    assert.ok(err.body.errors["rules[0].transform"], JSON.stringify(err.body));
    await rejectsWith(client(session.sessionKey).tokens.get(b.id), 403, "ForbiddenError");
    const within = [{ description: "a, masked", priority: 1, container: "/a/b/", transform: "mask", permissions: ["token:read"] }];
    await scoped.client.sessions.authorize({ nonce: session.nonce, rules: within });
    await rejectsWith(client(session.sessionKey).tokens.get(b.id), 403, "ForbiddenError");
  });
});
